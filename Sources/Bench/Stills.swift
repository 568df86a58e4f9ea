import Foundation
import Ingest
import OCR
import Pipeline
import PlateWatchCore

/// Exact-plate rate on a folder of still images with `ground_truth.csv`. Crops (rows without a box) are
/// read as one plate; photos are located and read, and count when any read is the row's plate.
public struct StillResult: Encodable, Sendable {
    public let set: String
    public let images: Int
    /// Plates with text in the ground truth (unreadable ones are not counted).
    public let readable: Int
    public let exact: Int
    /// Reads on plates the ground truth marks unreadable, or reads that match no plate in a photo.
    public let falseReads: Int
    public let msPerImage: Double
    public let exactRate: Double

    public init(set: String, images: Int, readable: Int, exact: Int, falseReads: Int, msPerImage: Double) {
        self.set = set
        self.images = images
        self.readable = readable
        self.exact = exact
        self.falseReads = falseReads
        self.msPerImage = msPerImage
        self.exactRate = readable == 0 ? 0 : Double(exact) / Double(readable)
    }

    enum CodingKeys: String, CodingKey {
        case set, images, readable, exact
        case falseReads = "false_reads"
        case msPerImage = "ms_per_image"
        case exactRate = "exact_rate"
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
        var readable = 0, exact = 0, falseReads = 0
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
            readable += truth.count
            exact += truth.intersection(plates).count
            falseReads += Set(plates).subtracting(truth).count
        }
        let ms = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e6
        return StillResult(set: set.name, images: order.count, readable: readable, exact: exact, falseReads: falseReads,
                           msPerImage: order.isEmpty ? 0 : (ms / Double(order.count) * 10).rounded() / 10)
    }
}
