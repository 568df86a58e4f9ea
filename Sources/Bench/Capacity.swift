import Foundation
import Ingest
import OCR
import Pipeline
import PlateWatchCore

/// How many live streams one box keeps up with: clips replayed at their frame rate, N at once, each
/// frame decoded when it is due and analysed right after; a stream more than `queueSeconds` behind
/// drops the frame unanalysed, as a live source drops its oldest frame when analysis falls behind.
public struct CapacityResult: Codable, Sendable {
    public struct Step: Codable, Sendable {
        public var streams: Int
        public var frames: Int
        public var dropped: Int
        public var latencyP95Ms: Double
        public var peakRSSMB: Double
        public var held: Bool

        enum CodingKeys: String, CodingKey {
            case streams, frames, dropped, held
            case latencyP95Ms = "latency_p95_ms"
            case peakRSSMB = "peak_rss_mb"
        }
    }
    public var resolution: String
    public var fps: Double
    /// Largest N that held (no more than 0.5 % frames dropped, p95 frame latency within the bound).
    public var streamsHeld: Int
    public var steps: [Step]

    enum CodingKeys: String, CodingKey {
        case resolution, fps, steps
        case streamsHeld = "streams_held"
    }
}

enum CapacityBench {
    struct Settings {
        var seconds: Double = 8
        var maxStreams = 12
        var latencyBoundMs: Double = 300
        var queueSeconds: Double = 0.2
        var config: Config
    }

    /// Tries 1, 2, 3 … streams until one fails or `maxStreams` is reached.
    static func search(clips: [FootageSet.Clip], resolution: String, settings: Settings, progress: (String) -> Void) throws -> CapacityResult {
        let fps = clips.first?.truth.fps ?? 25
        var result = CapacityResult(resolution: resolution, fps: fps, streamsHeld: 0, steps: [])
        for n in 1...settings.maxStreams {
            let step = try run(streams: n, clips: clips, settings: settings)
            result.steps.append(step)
            progress("capacity \(resolution): \(n) stream(s) — \(step.held ? "held" : "not held"), dropped \(step.dropped)/\(step.frames), p95 \(String(format: "%.0f", step.latencyP95Ms)) ms")
            guard step.held else { break }
            result.streamsHeld = n
        }
        return result
    }

    static func run(streams: Int, clips: [FootageSet.Clip], settings: Settings) throws -> CapacityResult.Step {
        let totals = Locked((latency: DurationStats(), frames: 0, dropped: 0))
        let failure = Locked<Error?>(nil)
        let group = DispatchGroup()
        let start = DispatchTime.now().uptimeNanoseconds + 200_000_000
        let readers = try PlateReaderPool.sized(cameras: streams, settings: settings.config.ocr)
        let sampler = RSSSampler()
        sampler.start()
        for i in 0..<streams {
            let clip = clips[i % clips.count]
            group.enter()
            let thread = Thread {
                defer { group.leave() }
                do {
                    let reader = try MediaReader(url: clip.url.path, camera: "stream\(i)")
                    let analyzer = FrameAnalyzer(readers: readers, tracking: settings.config.tracking)
                    let fps = clip.truth.fps
                    let limit = Int(settings.seconds * fps)
                    // Streams start a few ms apart, as cameras do, rather than in lockstep.
                    let t0 = start + UInt64(i) * 7_000_000
                    var local = DurationStats(), n = 0, lost = 0
                    for k in 0..<limit {
                        let due = t0 + UInt64(Double(k) / fps * 1e9)
                        let now = DispatchTime.now().uptimeNanoseconds
                        if now < due { Thread.sleep(forTimeInterval: Double(due - now) / 1e9) }
                        guard let frame = try reader.next() else { break }
                        n += 1
                        let behind = Double(Int64(DispatchTime.now().uptimeNanoseconds) - Int64(due)) / 1e9
                        if behind > settings.queueSeconds {
                            lost += 1
                            continue
                        }
                        _ = analyzer.analyse(frame)
                        local.record(seconds: Double(Int64(DispatchTime.now().uptimeNanoseconds) - Int64(due)) / 1e9)
                    }
                    totals.withValue {
                        $0.frames += n
                        $0.dropped += lost
                        $0.latency.merge(local)
                    }
                } catch {
                    failure.withValue { $0 = error }
                }
            }
            thread.start()
        }
        group.wait()
        let peak = sampler.stop()
        if let error = failure.withValue({ $0 }) { throw error }
        let (latency, frames, dropped) = totals.withValue { ($0.latency, $0.frames, $0.dropped) }
        let p95 = latency.percentileMs(95)
        let held = Double(dropped) <= 0.005 * Double(max(1, frames)) && p95 <= settings.latencyBoundMs
        return CapacityResult.Step(streams: streams, frames: frames, dropped: dropped, latencyP95Ms: p95, peakRSSMB: peak, held: held)
    }
}

/// Samples the process's resident memory every 50 ms on its own thread; `stop()` returns the peak in MB.
final class RSSSampler: @unchecked Sendable {
    private let lock = NSLock()
    private var running = false
    private var peak = 0.0

    func start() {
        lock.withLock { running = true; peak = Memory.residentMB() }
        Thread {
            while self.lock.withLock({ self.running }) {
                let now = Memory.residentMB()
                self.lock.withLock { self.peak = max(self.peak, now) }
                Thread.sleep(forTimeInterval: 0.05)
            }
        }.start()
    }

    func stop() -> Double {
        lock.withLock {
            running = false
            return max(peak, Memory.residentMB())
        }
    }
}

/// The process's memory from /proc/self/status.
public enum Memory {
    /// Current resident set size (VmRSS), MB.
    public static func residentMB() -> Double { field("VmRSS:") }
    /// Peak resident set size since start (VmHWM), MB.
    public static func peakResidentMB() -> Double { field("VmHWM:") }

    static func field(_ name: String) -> Double {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix(name) }),
              let kb = Double(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
        else { return 0 }
        return kb / 1024
    }
}
