import Foundation
import Ingest
import Logging
import Pipeline
import PlateWatchCore

/// Runs the benchmark: throughput side by side with decode-only, live capacity, accuracy and latency on
/// footage with ground truth, exact-plate rates on still sets; checks the targets.
public struct BenchRunner {
    public struct Options: Sendable {
        public var footage: URL?
        public var stills: [URL] = []
        public var stillsLimit: Int?
        /// Photos are of close-up plates too (`CameraConfig.closeUp`).
        public var stillsCloseUp = false
        public var targets = BenchTargets()
        public var accuracyOnly = false
        public var capacity = true
        public var capacitySeconds = 8.0
        public var maxStreams = 12
        public var config = Config(site: "bench", cameras: [])
        /// Crop sets the OCR model was partly trained on are measured on their held-out part only.
        public var split = TrainingSplit()
        /// Labels of the still sets found wrong by eye.
        public var labelCorrections = LabelCorrections()
        public init() {}
    }

    public let options: Options
    public let logger: Logger
    public let progress: Progress

    public init(options: Options, logger: Logger, progress: Progress) {
        self.options = options
        self.logger = logger
        self.progress = progress
    }

    public func run() async throws -> BenchReport {
        let ocr = options.config.ocr
        var report = BenchReport(machine: MachineInfo.current(), ocrModel: ocr.model + (ocr.fallbackModel.map { ", fallback \($0)" } ?? "") + (ocr.voteModel.map { ", votes with \($0)" } ?? ""))
        if let folder = options.footage {
            let footage = try FootageSet(folder: folder)
            // The footage's site profile (testvideos/site.yaml): read it as a box at that crossing would be set up.
            var config = options.config
            if !footage.cnProvinces.isEmpty { config.ocr.cnProvinces = footage.cnProvinces }
            // Memory first, while the process holds nothing from the other passes (freed heap stays resident).
            if !options.accuracyOnly && options.capacity, let n = options.targets.rssStreams,
               let big = footage.clips.filter({ $0.truth.height == 1080 }).nilIfEmpty {
                var settings = CapacityBench.Settings(config: config)
                settings.seconds = options.capacitySeconds
                let step = try CapacityBench.run(streams: n, clips: big, settings: settings)
                report.rssAtStreams = RSSReport(streams: n, peakMB: step.peakRSSMB)
                progress.line("memory with \(n) live 1080p streams: \(String(format: "%.0f", step.peakRSSMB)) MB resident")
            }
            if !options.accuracyOnly, let clip = footage.clips.first(where: { $0.truth.height == 1080 }) ?? footage.clips.first,
               let frame = try MediaReader(url: clip.url.path, camera: clip.id).next() {
                progress.line("SIMD kernels against their scalar twins on a \(frame.luma.width)×\(frame.luma.height) frame …")
                report.kernels = KernelBench.run(frame: frame.luma)
            }
            var decodeOnly: (frames: Int, seconds: Double)?
            if !options.accuracyOnly {
                progress.line("decode-only pass over \(footage.clips.count) clips …")
                decodeOnly = try ThroughputBench.decodeOnly(footage.clips)
            }
            // The decode-only pass counted the frames; without it, the ground truth's last readable frames
            // are a close lower bound for the progress bar.
            let totalFrames = decodeOnly?.frames
                ?? footage.clips.map { clip in clip.truth.vehicles.map(\.lastFrame).max() ?? 0 }.reduce(0, +)
            let collector = RunCollector()
            let counter = FrameCounter()
            let progress = self.progress
            collector.onFrame = { _, _ in progress.bar("pipeline", counter.increment(), of: totalFrames) }
            let (summary, seconds) = try await ThroughputBench.pipeline(footage.clips, settings: config, collector: collector, logger: logger)
            progress.finishBar()
            var accuracy = AccuracyScore()
            var media = DurationStats(), wall = DurationStats()
            var perClip: [ThroughputResult.ClipResult] = []
            var slowest: [(String, Double)] = []
            for clip in footage.clips {
                let before = accuracy
                let observed = collector.events[clip.id] ?? []
                for hit in accuracy.score(clip: clip, events: observed) {
                    media.record(seconds: hit.media)
                    let vehicle = clip.truth.vehicles[hit.vehicle]
                    slowest.append(("\(clip.id): \(vehicle.display)", hit.media))
                    if let firstDecoded = collector.captureTimes[clip.id]?[vehicle.firstFrame] {
                        wall.record(seconds: hit.event.emittedWall.timeIntervalSince(firstDecoded))
                    }
                }
                let frames = collector.framesPerClip[clip.id] ?? 0
                accuracy.scoreReads(clip: clip, frames: frames, reads: collector.reads[clip.id] ?? [:])
                let camera = summary.cameras.first { $0.camera == clip.id }
                perClip.append(.init(clip: clip.id, width: clip.truth.width, frames: frames,
                                     pipelineFPS: Double(frames) / max(0.001, camera?.seconds ?? seconds),
                                     vehicles: accuracy.vehicles - before.vehicles, found: accuracy.found - before.found,
                                     events: accuracy.events - before.events))
                progress.line("\(clip.id): \(frames) frames, \(accuracy.found - before.found)/\(accuracy.vehicles - before.vehicles) vehicles exact, \(accuracy.events - before.events) events")
            }
            let frames = collector.framesPerClip.values.reduce(0, +)
            report.throughput = ThroughputResult(frames: frames, decodeOnlyFPS: decodeOnly.map { Double($0.frames) / $0.seconds } ?? 0,
                                                 pipelineFPS: Double(frames) / seconds, perClip: perClip)
            report.accuracy = AccuracyReport(accuracy)
            report.latency = LatencyReport(media: media.summary, wall: wall.summary,
                                           slowest: slowest.sorted { $0.1 > $1.1 }.prefix(5).map { "\($0.0) \(Int(($0.1 * 1000).rounded())) ms" })
            report.stages = StageReport(collector.stages)
            report.stages?.ocrPerCandidate = collector.ocrPerCandidate.summary

            progress.line("lanes: every clip as two cameras of one group …")
            let oneCamera = collector.events.values.joined().filter { $0.event.type == .plateRead }.count
            report.lanes = LaneResult(oneCamera: oneCamera, twoCameras: try await LaneBench.run(footage.clips, settings: config, logger: logger))

            if !options.accuracyOnly && options.capacity {
                var settings = CapacityBench.Settings(config: config)
                settings.seconds = options.capacitySeconds
                settings.maxStreams = options.maxStreams
                settings.latencyBoundMs = options.targets.latencyP95MsMax ?? 300
                for (name, height) in [("1080p25", 1080), ("720p25", 720)] {
                    let clips = footage.clips.filter { $0.truth.height == height }
                    guard !clips.isEmpty else { continue }
                    report.capacity.append(try CapacityBench.search(clips: clips, resolution: name, settings: settings) { progress.line($0) })
                }
            }
            let result = try FootageCropsBench.run(footage, ocr: config.ocr) { progress.bar("footage crops", $0, of: $1) }
            progress.finishBar()
            progress.line("\(result.set): \(result.exact)/\(result.readable) plates exact, \(result.falseReads) wrong reads, \(result.msPerImage) ms per crop")
            report.stills.append(result)
        }
        for folder in options.stills {
            let labelled = try options.labelCorrections.applied(to: try StillSet(folder: folder), folder: folder)
            let (set, heldOut) = options.split.evaluationPart(of: labelled, folder: folder)
            var result = try StillsBench.run(set, ocr: options.config.ocr, limit: options.stillsLimit, closeUp: options.stillsCloseUp) { i, n in
                progress.bar(set.name, i, of: n)
            }
            result.heldOutOnly = heldOut
            progress.finishBar()
            progress.line("\(set.name): \(result.exact)/\(result.readable) plates exact, \(result.falseReads) false reads, \(result.msPerImage) ms per image")
            report.stills.append(result)
        }
        report.peakRSSMB = Memory.peakResidentMB()
        report.checks = TargetCheck.evaluate(options.targets, report: report)
        return report
    }
}

/// Counts frames across camera threads for the progress bar.
final class FrameCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func increment() -> Int { lock.withLock { value += 1; return value } }
}

extension Array {
    var nilIfEmpty: Self? { isEmpty ? nil : self }
}
