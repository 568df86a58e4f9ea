import Foundation
import Ingest
import Logging
import Pipeline
import PlateWatchCore

/// Frames per second of decoding alone and of the whole pipeline over the same clips in one run, all
/// clips at once as a multi-camera box runs them.
public struct ThroughputResult: Encodable, Sendable {
    public let frames: Int
    /// 0 when the decode-only pass was not run (`--accuracy-only`).
    public let decodeOnlyFPS: Double
    public let pipelineFPS: Double
    /// Full pipeline over decode-only; 0 without a decode-only pass.
    public let ratio: Double
    public let perClip: [ClipResult]

    public struct ClipResult: Codable, Sendable {
        public var clip: String
        public var width: Int
        public var frames: Int
        public var pipelineFPS: Double
        public var vehicles: Int
        public var found: Int
        public var events: Int
    }

    public init(frames: Int, decodeOnlyFPS: Double, pipelineFPS: Double, perClip: [ClipResult]) {
        self.frames = frames
        self.decodeOnlyFPS = decodeOnlyFPS
        self.pipelineFPS = pipelineFPS
        self.ratio = decodeOnlyFPS > 0 ? pipelineFPS / decodeOnlyFPS : 0
        self.perClip = perClip
    }

    enum CodingKeys: String, CodingKey {
        case frames, ratio
        case decodeOnlyFPS = "decode_only_fps"
        case pipelineFPS = "pipeline_fps"
        case perClip = "per_clip"
    }
}

/// Everything the observer hears during the pipeline pass. Camera threads report concurrently.
final class RunCollector: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var stages: [String: DurationStats] = [:]
    /// OCR CPU time per candidate read (a frame's OCR time shared over its candidates).
    private(set) var ocrPerCandidate = DurationStats()
    private(set) var events: [String: [ObservedEvent]] = [:]
    private(set) var captureTimes: [String: [Int: Date]] = [:]
    private(set) var framesPerClip: [String: Int] = [:]
    /// Frame index → reads in it, per clip (only frames with reads).
    private(set) var reads: [String: [Int: [PlateAlternative]]] = [:]
    var onFrame: (@Sendable (String, Int) -> Void)?

    func record(_ r: FrameRecord) {
        lock.withLock {
            if !r.isEndOfStream {
                stages["decode", default: DurationStats()].record(seconds: r.decodeSeconds)
                stages["locate", default: DurationStats()].record(seconds: r.cost.locate)
                stages["ocr", default: DurationStats()].record(seconds: r.cost.ocr)
                stages["track", default: DurationStats()].record(seconds: r.cost.track)
                if r.ocrAttempts > 0 {
                    let perRead = r.cost.ocr / Double(r.ocrAttempts)
                    for _ in 0..<r.ocrAttempts { ocrPerCandidate.record(seconds: perRead) }
                }
                captureTimes[r.camera, default: [:]][r.index] = r.captureTime
                framesPerClip[r.camera, default: 0] += 1
                if !r.reads.isEmpty { reads[r.camera, default: [:]][r.index] = r.reads }
            }
            for event in r.events {
                events[r.camera, default: []].append(
                    ObservedEvent(event: event, clip: r.camera, emittedMedia: r.mediaTime.seconds, emittedWall: Date()))
            }
        }
        if !r.isEndOfStream { onFrame?(r.camera, r.index) }
    }

    func published(seconds: Double) {
        lock.withLock { stages["publish", default: DurationStats()].record(seconds: seconds) }
    }
}

enum ThroughputBench {
    /// Decodes every clip at once, one thread each, as the pipeline pass does; returns frames and seconds.
    static func decodeOnly(_ clips: [FootageSet.Clip]) throws -> (frames: Int, seconds: Double) {
        let started = DispatchTime.now().uptimeNanoseconds
        let group = DispatchGroup()
        let frames = Locked(0)
        let failure = Locked<Error?>(nil)
        for clip in clips {
            group.enter()
            let thread = Thread {
                defer { group.leave() }
                do {
                    let reader = try MediaReader(url: clip.url.path, camera: clip.id)
                    var n = 0
                    while try reader.next() != nil { n += 1 }
                    frames.withValue { $0 += n }
                } catch {
                    failure.withValue { $0 = error }
                }
            }
            thread.start()
        }
        group.wait()
        if let error = failure.withValue({ $0 }) { throw error }
        let total = frames.withValue { $0 }
        return (total, Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9)
    }

    /// The full pipeline (decode → locate → OCR → track → outbox) over every clip at once.
    static func pipeline(_ clips: [FootageSet.Clip], settings: Config, collector: RunCollector, logger: Logger) async throws -> (summary: RunSummary, seconds: Double) {
        var config = settings
        config.cameras = clips.map { CameraConfig(id: $0.id, url: $0.url.path) }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("platewatch-bench-\(UUID().uuidString)")
        config.store = folder.appendingPathComponent("bench.sqlite").path
        config.sinks = []
        defer { try? FileManager.default.removeItem(at: folder) }
        let observer = RunObserver(frame: { collector.record($0) }, published: { _, seconds in collector.published(seconds: seconds) })
        let started = DispatchTime.now().uptimeNanoseconds
        let summary = try await PipelineRunner(config: config, logger: logger, observer: observer).run()
        if let failure = summary.failed.first { throw failure }
        return (summary, Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9)
    }
}
