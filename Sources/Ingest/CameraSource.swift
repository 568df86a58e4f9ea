import Foundation
import Logging
import Metrics
import PlateWatchCore

/// One camera's frames, decoded on a thread of its own and handed over through a bounded queue.
///
/// A live source (RTSP, HTTP) never gives up: it runs a small state machine, connecting → streaming →
/// stalled (no picture for `stallTimeout`) → backing off (exponential, with jitter, from `backoffInitial`
/// to `backoffMax`) → connecting, with a log line and a metric on every transition. When analysis falls
/// behind, the decoder first skips non-reference frames, then the queue drops its oldest frame (counted):
/// a barrier wants the newest picture, not a backlog. A file is read to its end, every frame (the queue
/// waits instead of dropping), and an error ends it with the typed error.
///
/// Frames keep increasing indices and media times across reconnects, so tracking downstream never sees
/// time run backwards.
public final class CameraSource: @unchecked Sendable {
    public enum State: String, Sendable, CaseIterable {
        case connecting
        case streaming
        case stalled
        case backingOff = "backing-off"
        /// A file (or, when asked, a live stream) reached its end.
        case ended
        /// A file could not be read; `next()` throws the error.
        case failed
        case stopped
    }

    /// Counters since the source was created.
    public struct Stats: Sendable, Equatable {
        public var state: State = .connecting
        /// Video packets received, pictures decoded, frames dropped from the queue unanalysed.
        public var packetsReceived = 0
        public var framesDecoded = 0
        public var framesDropped = 0
        /// Connection attempts after the first.
        public var reconnects = 0
        /// Wall time of the last decoded frame.
        public var lastFrame: Date?
        public var width = 0
        public var height = 0
        /// Why the source last left `streaming` (or could not reach it).
        public var lastError: PlateWatchError?
        public var skippingNonReference = false
    }

    public let id: String
    public let url: String
    public let isLive: Bool
    private let transport: String
    private let settings: IngestSettings
    private let endsAtEndOfStream: Bool
    private var logger: Logger
    private let stopSignal = StopSignal()

    private let condition = NSCondition()
    private var queue: [Frame] = []
    private var finished = false
    private var failure: PlateWatchError?
    private var current = Stats()
    private var threadExited = false

    private let packetsCounter: Counter
    private let decodedCounter: Counter
    private let droppedCounter: Counter
    private let reconnectCounter: Counter
    private let lastFrameGauge: Gauge
    private let stateGauges: [State: Gauge]

    /// - Parameter endsAtEndOfStream: a live stream that ends ends the source instead of reconnecting
    ///   (tests and diagnostics that want one pass over a served clip).
    public init(camera: CameraConfig, settings: IngestSettings, logger: Logger, endsAtEndOfStream: Bool = false) {
        id = camera.id
        url = camera.url
        isLive = !camera.isFile
        transport = camera.rtspTransport ?? settings.rtspTransport
        self.settings = settings
        self.endsAtEndOfStream = endsAtEndOfStream
        self.logger = logger
        self.logger[metadataKey: "camera.id"] = "\(camera.id)"
        let dimensions = [("camera", camera.id)]
        packetsCounter = Counter(label: "platewatch_ingest_packets_total", dimensions: dimensions)
        decodedCounter = Counter(label: "platewatch_ingest_frames_decoded_total", dimensions: dimensions)
        droppedCounter = Counter(label: "platewatch_ingest_frames_dropped_total", dimensions: dimensions)
        reconnectCounter = Counter(label: "platewatch_ingest_reconnects_total", dimensions: dimensions)
        lastFrameGauge = Gauge(label: "platewatch_ingest_last_frame_timestamp_seconds", dimensions: dimensions)
        stateGauges = Dictionary(uniqueKeysWithValues: State.allCases.map {
            ($0, Gauge(label: "platewatch_ingest_state", dimensions: dimensions + [("state", $0.rawValue)]))
        })
    }

    public var stats: Stats { condition.withLock { current } }

    /// Starts the decoding thread.
    public func start() {
        let thread = Thread { [self] in
            // Named from inside: on Linux a name set before start never reaches the kernel. 15 characters
            // show in /proc/<pid>/task/*/comm, enough to find a camera's thread.
            Thread.current.name = "src:\(id)"
            stateGauges[.connecting]?.record(1)
            run()
            condition.withLock {
                threadExited = true
                condition.broadcast()
            }
        }
        thread.start()
    }

    /// The next frame in order; blocks until one is decoded. Nil once the source has ended or was stopped.
    /// Throws the typed error that ended a file source.
    public func next() throws -> Frame? {
        try condition.withLock {
            while queue.isEmpty && !finished { condition.wait() }
            if !queue.isEmpty {
                let frame = queue.removeFirst()
                condition.broadcast()
                return frame
            }
            if let failure { throw failure }
            return nil
        }
    }

    /// Stops decoding: a blocked connect or read returns at once (FFmpeg's interrupt callback), a backoff
    /// wait ends. Returns once the decoding thread has exited, or after `timeout`.
    @discardableResult
    public func stop(timeout: Double = 5) -> Bool {
        stopSignal.set()
        let until = Date().addingTimeInterval(timeout)
        return condition.withLock {
            finished = true
            condition.broadcast()
            while !threadExited && condition.wait(until: until) {}
            return threadExited
        }
    }

    // MARK: - The decoding thread

    private func run() {
        var attempt = 0
        // Media time and frame index carried over from earlier sessions.
        var indexBase = 0, timeOffset = 0.0
        var lastMedia: Double?, lastWall: Date?
        // The decoding thread's own copy of the picture size: compared per frame without the lock.
        var size = (width: 0, height: 0)
        while !stopSignal.isSet {
            transition(to: .connecting)
            do {
                let reader = try MediaReader(url: url, camera: id, rtspTransport: transport, openTimeout: settings.openTimeout,
                                             readTimeout: isLive ? settings.stallTimeout : max(10, settings.stallTimeout), stop: stopSignal)
                var first = true
                var packets = 0
                indexBase = condition.withLock { current.framesDecoded }
                while !stopSignal.isSet {
                    let decodeStart = ThreadClock.now()
                    guard var frame = try reader.next() else { break }
                    frame.decodeSeconds = Double(ThreadClock.now() - decodeStart) / 1e9
                    if first {
                        // A new session starts its clock at zero: continue from the last one, with the gap.
                        if let lastMedia, let lastWall {
                            timeOffset = lastMedia + max(0.04, Date().timeIntervalSince(lastWall)) - frame.mediaTime.seconds
                        }
                        first = false
                        attempt = 0
                        transition(to: .streaming)
                    }
                    if frame.luma.width != size.width || frame.luma.height != size.height {
                        noteSize(frame.luma, was: size)
                        size = (frame.luma.width, frame.luma.height)
                    }
                    frame.index += indexBase
                    frame.mediaTime = MediaTime(seconds: frame.mediaTime.seconds + timeOffset)
                    lastMedia = frame.mediaTime.seconds
                    lastWall = Date()
                    let newPackets = reader.packetsRead - packets
                    packets = reader.packetsRead
                    packetsCounter.increment(by: newPackets)
                    decodedCounter.increment()
                    lastFrameGauge.record(lastWall!.timeIntervalSince1970)
                    reader.skipsNonReference = push(frame, packets: newPackets)
                }
                if stopSignal.isSet { break }
                if !isLive && condition.withLock({ current.framesDecoded }) == 0 {
                    end(.failed, failure: PlateWatchError(.corruptMedia, subject: id, message: "no picture could be decoded from \(url)",
                                                          hint: "the file may be truncated or empty"))
                    return
                }
                if !isLive || endsAtEndOfStream {
                    end(.ended, failure: nil)
                    return
                }
                record(PlateWatchError(.sourceUnreachable, subject: id, message: "the stream ended",
                                       hint: "the camera closed the session; reconnecting"))
            } catch {
                if stopSignal.isSet { break }
                let typed = error as? PlateWatchError
                    ?? PlateWatchError(.internalFailure, subject: id, message: "\(error)")
                guard isLive else {
                    end(.failed, failure: typed)
                    return
                }
                record(typed)
                if typed.code == .sourceStalled { transition(to: .stalled) }
            }
            if stopSignal.isSet { break }
            // Exponential backoff with ±25 % jitter, so cameras that dropped together do not retry together.
            let delay = min(settings.backoffMax, settings.backoffInitial * pow(2, Double(min(attempt, 30))))
                * Double.random(in: 0.75...1.25)
            attempt += 1
            transition(to: .backingOff, detail: String(format: "%.2f s", delay))
            if stopSignal.wait(seconds: delay) { break }
            condition.withLock { current.reconnects += 1 }
            reconnectCounter.increment()
        }
        end(.stopped, failure: nil)
    }

    /// A recent picture of the camera at a quarter of its size, for the desk's Cameras page; refreshed every
    /// two seconds on the decoding thread, outside the queue's lock.
    public var thumbnail: LumaImage? { condition.withLock { snapshot } }
    private var snapshot: LumaImage?
    private var snapshotTaken = Date.distantPast

    /// Queues a frame; returns whether the decoder should skip non-reference frames (the queue is half full).
    private func push(_ frame: Frame, packets: Int) -> Bool {
        if Date().timeIntervalSince(snapshotTaken) >= 2 {
            let small = frame.luma.decimated(by: 4)
            snapshotTaken = Date()
            condition.withLock { snapshot = small }
        }
        return condition.withLock {
            if isLive {
                if queue.count >= settings.queueFrames {
                    queue.removeFirst()
                    current.framesDropped += 1
                    droppedCounter.increment()
                }
            } else {
                while queue.count >= settings.queueFrames && !finished { condition.wait() }
            }
            queue.append(frame)
            current.packetsReceived += packets
            current.framesDecoded += 1
            current.lastFrame = Date()
            let skipping = isLive && queue.count * 2 >= settings.queueFrames
            if skipping != current.skippingNonReference {
                current.skippingNonReference = skipping
                logger.debug("decoder \(skipping ? "skips" : "decodes") non-reference frames", metadata: ["queue": "\(queue.count)"])
            }
            condition.broadcast()
            return skipping
        }
    }

    /// A camera reconfigured mid-stream (new resolution) goes on: the decoder follows the new parameters
    /// and each frame carries its own size; the change is logged so an operator can match it to a config change.
    private func noteSize(_ luma: LumaImage, was old: (width: Int, height: Int)) {
        condition.withLock {
            current.width = luma.width
            current.height = luma.height
        }
        if old.width == 0 {
            logger.info("camera picture size", metadata: ["width": "\(luma.width)", "height": "\(luma.height)"])
        } else {
            logger.notice("camera picture size changed", metadata: ["from": "\(old.width)x\(old.height)", "to": "\(luma.width)x\(luma.height)"])
        }
    }

    private func record(_ error: PlateWatchError) {
        condition.withLock { current.lastError = error }
    }

    private func end(_ state: State, failure: PlateWatchError?) {
        transition(to: state, detail: failure?.description)
        condition.withLock {
            self.failure = failure
            finished = true
            condition.broadcast()
        }
    }

    private func transition(to state: State, detail: String? = nil) {
        let (previous, error) = condition.withLock { () -> (State, PlateWatchError?) in
            let previous = current.state
            current.state = state
            return (previous, current.lastError)
        }
        guard previous != state else { return }
        stateGauges[previous]?.record(0)
        stateGauges[state]?.record(1)
        var metadata: Logger.Metadata = ["from": "\(previous.rawValue)", "to": "\(state.rawValue)"]
        if let detail { metadata["detail"] = "\(detail)" }
        switch state {
        case .stalled, .backingOff, .failed:
            if let error { metadata["error"] = "\(error)" }
            logger.warning("camera source \(state.rawValue)", metadata: metadata)
        default:
            logger.info("camera source \(state.rawValue)", metadata: metadata)
        }
    }
}
