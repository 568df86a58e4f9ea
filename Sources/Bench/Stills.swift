import Foundation
import Ingest
import OCR
import Pipeline
import PlateWatchCore
import Vision

/// Exact-plate rate on a folder of still images with `ground_truth.csv`. Crops (rows without a box) are
/// read as one plate; photos are located and read, and count when any read is the row's plate.
public struct StillResult: Encodable, Sendable {
    public let set: String
    public let images: Int
    /// Plates with text in the ground truth (unreadable ones are not counted).
    public let readable: Int
    public let exact: Int
    /// Labels the bench corrected (`LabelCorrections`), and the plates read exactly against the set's own labels.
    public var correctedLabels = 0
    public var exactAsLabelled: Int
    /// Reads on plates the ground truth marks unreadable, or reads that match no plate in a photo.
    public let falseReads: Int
    public let msPerImage: Double
    public let exactRate: Double
    /// Only the part of the set the OCR model was not trained on was read (`models/train/split.csv`).
    public var heldOutOnly = false
    /// CPU time of one engine call on one text line (bundled footage crops only).
    public var ocrPerLine: DurationStats.Summary?
    /// The plates not read exactly and what was read: where to look next.
    public var misses: [String] = []

    public init(set: String, images: Int, readable: Int, exact: Int, falseReads: Int, msPerImage: Double) {
        self.set = set
        self.images = images
        self.readable = readable
        self.exact = exact
        self.exactAsLabelled = exact
        self.falseReads = falseReads
        self.msPerImage = msPerImage
        self.exactRate = readable == 0 ? 0 : Double(exact) / Double(readable)
    }

    enum CodingKeys: String, CodingKey {
        case set, images, readable, exact
        case falseReads = "false_reads"
        case msPerImage = "ms_per_image"
        case exactRate = "exact_rate"
        case heldOutOnly = "held_out_only"
        case correctedLabels = "corrected_labels"
        case exactAsLabelled = "exact_as_labelled"
        case ocrPerLine = "ocr_per_line"
        case misses
    }
}

enum StillsBench {
    static let imageExtensions: Set<String> = ["jpg", "jpeg", "png", "bmp"]

    static func run(_ set: StillSet, ocr: OCRSettings, limit: Int?, closeUp: Bool = false, progress: (Int, Int) -> Void) throws -> StillResult {
        let analyzer = try FrameAnalyzer(ocr: ocr, tracking: TrackingSettings(), locator: PlateLocator(settings: .init(closeUp: closeUp)))
        // Several rows (plates) can share one photo: read each image once.
        var rowsByFile: [URL: [StillSet.Item]] = [:]
        var order: [URL] = []
        for item in set.items where imageExtensions.contains(item.file.pathExtension.lowercased()) {
            if rowsByFile[item.file] == nil { order.append(item.file) }
            rowsByFile[item.file, default: []].append(item)
        }
        if let limit { order = Array(order.prefix(limit)) }
        var readable = 0, exact = 0, falseReads = 0, exactAsLabelled = 0
        var misses: [String] = []
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
                plates = analyzer.analyse(frame, still: true).reads.map(\.plate)
                _ = analyzer.finish()
            }
            let truth = Set(rows.map(\.plate).filter { !$0.isEmpty })
            readable += truth.count
            exact += truth.intersection(plates).count
            exactAsLabelled += Set(rows.map { $0.labelled ?? $0.plate }.filter { !$0.isEmpty }).intersection(plates).count
            falseReads += Set(plates).subtracting(truth).count
            for plate in truth.subtracting(plates).sorted() {
                misses.append("\(file.lastPathComponent): \(plate) (\(plates.isEmpty ? "no read" : "read " + plates.joined(separator: ", ")))")
            }
        }
        let ms = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e6
        var result = StillResult(set: set.name, images: order.count, readable: readable, exact: exact, falseReads: falseReads,
                                 msPerImage: order.isEmpty ? 0 : (ms / Double(order.count) * 10).rounded() / 10)
        result.misses = misses
        result.exactAsLabelled = exactAsLabelled
        result.correctedLabels = order.reduce(0) { n, file in n + rowsByFile[file]!.filter { $0.labelled != nil }.count }
        return result
    }
}

/// The bundled clips' plates read from their ground-truth boxes (with the locator's margin), at the
/// start, middle and end of each vehicle's readable frames: the OCR stage alone, on rendered footage.
enum FootageCropsBench {
    static let name = "bundled footage crops"

    static func run(_ footage: FootageSet, ocr: OCRSettings, progress: (Int, Int) -> Void) throws -> StillResult {
        let reader = try PlateReader(settings: ocr)
        reader.recordsLineTimes = true
        var readable = 0, exact = 0, falseReads = 0, images = 0
        var seconds = 0.0
        var misses: [String] = []
        // Every crop is cut first and read after: FFmpeg's frame threads go on decoding ahead after a frame is
        // returned, and on two cores the OCR timed beside them was timed with their load (OCR per line p95 9.0
        // and 13.6 ms in two runs of the same code; cut first, 9.1 and 8.7). The target is per line on one
        // core. The machine's own speed still swings: a later run cut first gave p50 7.1 ms (5.5 usually), p95 13.7.
        var crops: [(clip: String, frame: Int, vehicle: GroundTruth.Vehicle, crop: LumaImage)] = []
        for (c, clip) in footage.clips.enumerated() {
            progress(c + 1, footage.clips.count * 2)
            var wanted: [Int: [GroundTruth.Vehicle]] = [:]
            for vehicle in clip.truth.vehicles {
                let span = vehicle.lastFrame - vehicle.firstFrame
                for fraction in [0.25, 0.5, 0.75] where vehicle.box(at: vehicle.firstFrame + Int(Double(span) * fraction)) != nil {
                    wanted[vehicle.firstFrame + Int(Double(span) * fraction), default: []].append(vehicle)
                }
            }
            let media = try MediaReader(url: clip.url.path, camera: clip.id)
            while let frame = try media.next() {
                for vehicle in wanted[frame.index] ?? [] {
                    let box = vehicle.box(at: frame.index)!
                    crops.append((clip.id, frame.index, vehicle, frame.luma.cropped(to: box.insetBy(dx: -box.width / 8, dy: -box.height / 4)
                        .clipped(width: frame.luma.width, height: frame.luma.height))))
                }
            }
        }
        for (i, item) in crops.enumerated() {
            if i % 24 == 0 { progress(footage.clips.count + i * footage.clips.count / max(1, crops.count), footage.clips.count * 2) }
            let started = DispatchTime.now().uptimeNanoseconds
            let read = reader.read(crop: item.crop)
            seconds += Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
            images += 1
            readable += 1
            if read?.plate == item.vehicle.plate { exact += 1 } else if read != nil { falseReads += 1 }
            if read?.plate != item.vehicle.plate {
                misses.append("\(item.clip) frame \(item.frame): \(item.vehicle.display) (\(read.map { "read \($0.display)" } ?? "no read"))")
            }
        }
        progress(footage.clips.count * 2, footage.clips.count * 2)
        var result = StillResult(set: name, images: images, readable: readable, exact: exact, falseReads: falseReads,
                                 msPerImage: images == 0 ? 0 : (seconds * 1000 / Double(images) * 10).rounded() / 10)
        var lines = DurationStats()
        for s in reader.lineSeconds { lines.record(seconds: s) }
        result.ocrPerLine = lines.summary
        result.misses = misses
        return result
    }
}
