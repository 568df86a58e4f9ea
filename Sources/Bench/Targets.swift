import Foundation
import PlateWatchCore
import Yams

/// What `platewatch bench` must reach; read from `benchmarks/targets.yaml`. A nil target is not checked.
public struct BenchTargets: Codable, Sendable, Equatable {
    /// Full-pipeline fps over decode-only fps, same footage, same run.
    public var throughputRatioMin: Double?
    /// Live 1080p25 streams one box holds without dropping frames or passing the latency bound.
    public var streams1080p25Min: Int?
    public var streams720p25Min: Int?
    public var vehicleRecallMin: Double?
    public var vehiclePrecisionMin: Double?
    /// Share of frame reads with confidence ≥ 0.9 that are right (confidence calibration).
    public var confidentReadPrecisionMin: Double?
    /// OCR CPU time per candidate read, 95th percentile, ms.
    public var ocrMsPerCandidateP95Max: Double?
    public var ocrMsPerLineP95Max: Double?
    /// Locator CPU time per frame, 95th percentile, ms.
    public var locateMsP95Max: Double?
    /// Reads of text that is no plate, on frames where no plate is readable.
    public var falseReadsPer1000Max: Double?
    /// 95th percentile, media time from a plate's first readable frame to its `plate.read` event.
    public var latencyP95MsMax: Double?
    /// `plate.read` events a second camera of each lane adds over one camera, same footage.
    public var laneExtraEventsMax: Int?
    /// Resident memory with `rssStreams` live streams.
    public var rssMbMax: Double?
    public var rssStreams: Int?
    /// Exact-plate rate per still set, by folder name.
    public var stillsExactMin: [String: Double]?

    enum CodingKeys: String, CodingKey {
        case throughputRatioMin = "throughput_ratio_min"
        case streams1080p25Min = "streams_1080p25_min"
        case streams720p25Min = "streams_720p25_min"
        case vehicleRecallMin = "vehicle_recall_min"
        case vehiclePrecisionMin = "vehicle_precision_min"
        case falseReadsPer1000Max = "false_reads_per_1000_frames_max"
        case confidentReadPrecisionMin = "confident_read_precision_min"
        case ocrMsPerCandidateP95Max = "ocr_ms_per_candidate_p95_max"
        case ocrMsPerLineP95Max = "ocr_ms_per_line_p95_max"
        case locateMsP95Max = "locate_ms_p95_max"
        case latencyP95MsMax = "latency_p95_ms_max"
        case laneExtraEventsMax = "lane_extra_events_max"
        case rssMbMax = "rss_mb_max"
        case rssStreams = "rss_streams"
        case stillsExactMin = "stills_exact_min"
    }

    public init() {}

    public static func load(path: String) throws -> BenchTargets {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw PlateWatchError(.fileNotFound, subject: path, message: "targets file not found",
                                  hint: "pass --targets benchmarks/targets.yaml from the repository root")
        }
        do { return try YAMLDecoder().decode(BenchTargets.self, from: text) } catch {
            throw PlateWatchError(.config, subject: path, message: "cannot read the targets: \(error)",
                                  hint: "keys are listed in benchmarks/targets.yaml")
        }
    }
}
