import Foundation
import PlateWatchCore

/// Everything one `platewatch bench` run measured; written as JSON, a table, markdown and an SVG chart.
public struct BenchReport: Encodable, Sendable {
    public var date = RFC3339.string(from: Date())
    public var machine: MachineInfo
    public var ocrModel: String
    public var throughput: ThroughputResult?
    public var capacity: [CapacityResult] = []
    public var accuracy: AccuracyReport?
    public var latency: LatencyReport?
    public var lanes: LaneResult?
    public var stages: StageReport?
    public var rssAtStreams: RSSReport?
    public var peakRSSMB = 0.0
    public var stills: [StillResult] = []
    public var kernels: [KernelResult] = []
    public var checks: [TargetCheck] = []
    public var missed: [TargetCheck] { checks.filter { !$0.passed } }

    public init(machine: MachineInfo, ocrModel: String) {
        self.machine = machine
        self.ocrModel = ocrModel
    }

    enum CodingKeys: String, CodingKey {
        case date, machine, throughput, capacity, accuracy, latency, lanes, stages, stills, kernels, checks
        case ocrModel = "ocr_model"
        case rssAtStreams = "rss_at_streams"
        case peakRSSMB = "peak_rss_mb"
    }
}

public struct MachineInfo: Codable, Sendable {
    public var cores: Int
    public var cpu: String
    public var memoryGB: Double

    enum CodingKeys: String, CodingKey {
        case cores, cpu
        case memoryGB = "memory_gb"
    }

    public static func current() -> MachineInfo {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let model = cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }?
            .split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "unknown"
        return MachineInfo(cores: ProcessInfo.processInfo.activeProcessorCount, cpu: model,
                           memoryGB: (Double(ProcessInfo.processInfo.physicalMemory) / 1_073_741_824 * 10).rounded() / 10)
    }
}

public struct AccuracyReport: Encodable, Sendable {
    public var vehicles: Int
    public var found: Int
    public var events: Int
    public var recall: Double
    public var precision: Double
    public var characterAccuracy: Double
    public var byFormat: [String: AccuracyScore.Tally]
    public var byLight: [String: AccuracyScore.Tally]
    public var missed: [String]
    public var wrong: [String]
    public var framesWithoutPlate: Int
    public var falseReads: Int
    public var falseReadExamples: [String]
    public var nearMisses: Int
    public var falseReadsPer1000Frames: Double
    /// Share of frame reads with confidence ≥ 0.9 that were right: is `confidence` calibrated?
    public var confidentReads: Int
    public var confidentReadPrecision: Double

    init(_ s: AccuracyScore) {
        confidentReads = s.confidentReads
        confidentReadPrecision = s.confidentReadPrecision
        framesWithoutPlate = s.framesWithoutPlate
        falseReads = s.falseReads
        falseReadExamples = s.falseReadExamples
        nearMisses = s.nearMisses
        falseReadsPer1000Frames = s.falseReadsPer1000Frames
        vehicles = s.vehicles
        found = s.found
        events = s.events
        recall = s.recall
        precision = s.precision
        characterAccuracy = s.characterAccuracy
        byFormat = s.byFormat
        byLight = s.byLight
        missed = s.missed
        wrong = s.wrong
    }

    enum CodingKeys: String, CodingKey {
        case vehicles, found, events, recall, precision, missed, wrong
        case characterAccuracy = "character_accuracy"
        case byFormat = "by_format"
        case byLight = "by_light"
        case framesWithoutPlate = "frames_without_plate"
        case falseReads = "false_reads"
        case falseReadExamples = "false_read_examples"
        case nearMisses = "near_miss_reads"
        case falseReadsPer1000Frames = "false_reads_per_1000_frames"
        case confidentReads = "reads_at_0_9_confidence"
        case confidentReadPrecision = "reads_at_0_9_confidence_right"
    }
}

/// From a plate's first readable frame to its `plate.read` event.
public struct LatencyReport: Codable, Sendable {
    /// On the footage's clock: how far the vehicle had moved when the event came.
    public var media: DurationStats.Summary
    /// On the wall clock, from decoding that frame to the event (files run faster than real time).
    public var wall: DurationStats.Summary
    /// The vehicles whose event came last (media time), for finding out why.
    public var slowest: [String] = []
}

public struct StageReport: Codable, Sendable {
    public struct Stage: Codable, Sendable {
        public var name: String
        public var perFrame: DurationStats.Summary
        public var share: Double

        enum CodingKeys: String, CodingKey {
            case name, share
            case perFrame = "per_frame"
        }
    }
    public var stages: [Stage]
    /// OCR CPU time per candidate sent to Tesseract (line cutting and every engine call for it).
    public var ocrPerCandidate: DurationStats.Summary?

    enum CodingKeys: String, CodingKey {
        case stages
        case ocrPerCandidate = "ocr_per_candidate"
    }

    static let order = ["decode", "locate", "ocr", "track", "publish"]

    init(_ stats: [String: DurationStats]) {
        let total = stats.values.map(\.total).reduce(0, +)
        stages = Self.order.compactMap { name in
            stats[name].map { Stage(name: name, perFrame: $0.summary, share: total > 0 ? $0.total / total : 0) }
        }
    }
}

public struct RSSReport: Codable, Sendable {
    public var streams: Int
    public var peakMB: Double

    enum CodingKeys: String, CodingKey {
        case streams
        case peakMB = "peak_mb"
    }
}

/// One target from targets.yaml against what was measured.
public struct TargetCheck: Codable, Sendable {
    public var name: String
    public var target: String
    public var measured: String
    public var passed: Bool

    static func evaluate(_ t: BenchTargets, report r: BenchReport) -> [TargetCheck] {
        var checks: [TargetCheck] = []
        func atLeast(_ name: String, _ target: Double?, _ value: Double?, _ format: String = "%.3f") {
            guard let target, let value else { return }
            checks.append(TargetCheck(name: name, target: "≥ " + String(format: format, target), measured: String(format: format, value), passed: value >= target))
        }
        func atMost(_ name: String, _ target: Double?, _ value: Double?, _ format: String = "%.1f") {
            guard let target, let value else { return }
            checks.append(TargetCheck(name: name, target: "≤ " + String(format: format, target), measured: String(format: format, value), passed: value <= target))
        }
        if let throughput = r.throughput, throughput.decodeOnlyFPS > 0 {
            atLeast("full pipeline fps / decode-only fps", t.throughputRatioMin, throughput.ratio, "%.2f")
        }
        let held = { (name: String) in r.capacity.first { $0.resolution == name }.map { Double($0.streamsHeld) } }
        atLeast("live 1080p25 streams held", t.streams1080p25Min.map(Double.init), held("1080p25"), "%.0f")
        atLeast("live 720p25 streams held", t.streams720p25Min.map(Double.init), held("720p25"), "%.0f")
        atLeast("vehicle recall (exact plate)", t.vehicleRecallMin, r.accuracy?.recall)
        atLeast("vehicle precision", t.vehiclePrecisionMin, r.accuracy?.precision)
        atLeast("frame reads with confidence ≥ 0.9 that are right", t.confidentReadPrecisionMin, r.accuracy?.confidentReadPrecision)
        atMost("false plate reads per 1,000 frames without a plate", t.falseReadsPer1000Max, r.accuracy?.falseReadsPer1000Frames, "%.2f")
        atMost("plate.read latency p95, ms of media time", t.latencyP95MsMax, r.latency.map { $0.media.p95 }, "%.0f")
        atMost("extra events from a second camera of the lane", t.laneExtraEventsMax.map(Double.init), r.lanes.map { Double($0.extra) }, "%.0f")
        atMost("locate CPU per frame p95, ms", t.locateMsP95Max, r.stages?.stages.first { $0.name == "locate" }?.perFrame.p95)
        atMost("OCR CPU per candidate read p95, ms", t.ocrMsPerCandidateP95Max, r.stages?.ocrPerCandidate.flatMap { $0.count > 0 ? $0.p95 : nil })
        atMost("OCR CPU per text line p95, ms", t.ocrMsPerLineP95Max,
               r.stills.first { $0.set == FootageCropsBench.name }?.ocrPerLine.flatMap { $0.count > 0 ? $0.p95 : nil })
        if let rss = r.rssAtStreams {
            atMost("resident memory at \(rss.streams) streams, MB", t.rssMbMax, rss.peakMB, "%.0f")
        }
        for still in r.stills {
            atLeast("exact plates, \(still.set)", t.stillsExactMin?[still.set], still.exactRate)
        }
        return checks
    }
}
