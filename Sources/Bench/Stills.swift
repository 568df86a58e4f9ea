import Foundation
import Ingest
import OCR
import Pipeline
import PlateWatchCore

/// Exact-plate rate on a folder of still images with `ground_truth.csv`. Crops (rows without a box) are
/// read as one plate; photos are located and read, and count when any read is the row's plate.
public struct StillResult: Encodable, Sendable {
    public var set: String
    public var images: Int
    public var readable: Int
    public var exact: Int
    /// Reads on plates the ground truth marks unreadable, or reads that match no plate in a photo.
    public var falseReads: Int
    public var msPerImage: Double
    public var exactRate: Double { readable == 0 ? 0 : Double(exact) / Double(readable) }

    enum CodingKeys: String, CodingKey {
        case set, images, readable, exact
        case falseReads = "false_reads"
        case msPerImage = "ms_per_image"
        case exactRate = "exact_rate"
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(set, forKey: .set)
        try c.encode(images, forKey: .images)
        try c.encode(readable, forKey: .readable)
        try c.encode(exact, forKey: .exact)
        try c.encode(falseReads, forKey: .falseReads)
        try c.encode(msPerImage, forKey: .msPerImage)
        try c.encode(exactRate, forKey: .exactRate)
    }
}

enum StillsBench {
    static let imageExtensions: Set<String> = ["jpg", "jpeg", "png", "bmp"]

    static func run(_ set: StillSet, ocr: OCRSettings, limit: Int?, progress: (Int, Int) -> Void) throws -> StillResult {
        let analyzer = try FrameAnalyzer(ocr: ocr, tracking: TrackingSettings())
        // Several rows (plates) can share one photo: read each image once.
        var rowsByFile: [URL: [StillSet.Item]] = [:]
        var order: [URL] = []
        for item in set.items where imageExtensions.contains(item.file.pathExtension.lowercased()) {
            if rowsByFile[item.file] == nil { order.append(item.file) }
            rowsByFile[item.file, default: []].append(item)
        }
        if let limit { order = Array(order.prefix(limit)) }
        var result = StillResult(set: set.name, images: order.count, readable: 0, exact: 0, falseReads: 0, msPerImage: 0)
        let started = DispatchTime.now().uptimeNanoseconds
        for (i, file) in order.enumerated() {
            progress(i + 1, order.count)
            let rows = rowsByFile[file]!
            guard let frame = try MediaReader(url: file.path, camera: file.lastPathComponent).next() else { continue }
            let isCrop = rows.allSatisfy { $0.box == nil }
            let plates: [String]
            if isCrop {
                plates = analyzer.readers.withReader { $0.read(crop: frame.luma, tight: true) }.map { [$0.plate] } ?? []
            } else {
                plates = analyzer.analyse(frame).reads.map(\.plate)
                _ = analyzer.finish()
            }
            let truth = Set(rows.map(\.plate).filter { !$0.isEmpty })
            result.readable += truth.count
            result.exact += truth.intersection(plates).count
            result.falseReads += Set(plates).subtracting(truth).count
        }
        let ms = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e6
        result.msPerImage = order.isEmpty ? 0 : (ms / Double(order.count) * 10).rounded() / 10
        return result
    }
}
