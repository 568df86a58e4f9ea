import Delivery
import Foundation
import Ingest
import Logging
import OCR
import PlateWatchCore
import Vision
import Tracking

/// What a run did, per camera.
public struct RunSummary: Sendable {
    public struct CameraResult: Sendable {
        public var camera: String
        public var frames: Int
        public var reads: Int
        public var events: Int
        public var seconds: Double
        /// What ended the camera (files); live cameras retry instead, and their last error is in `source`.
        public var error: PlateWatchError?
        /// The source's counters and state when the camera finished.
        public var source: CameraSource.Stats?
    }
    public var cameras: [CameraResult]
    /// Plate events published (lane merges counted once), and `yard.occupancy` events.
    public var events: Int
    public var yardEvents: Int = 0
    public var failed: [PlateWatchError] { cameras.compactMap(\.error) }
}

/// What a benchmark or a diagnostic sees of each decoded frame, on the camera's thread.
public struct FrameRecord: Sendable {
    public var camera: String
    public var index: Int
    public var mediaTime: MediaTime
    public var captureTime: Date
    /// CPU seconds, on the camera's thread.
    public var decodeSeconds: Double
    public var cost: StageSeconds
    /// Candidates sent to OCR in this frame.
    public var ocrAttempts: Int
    /// Plates read in this frame (before voting), with the reader's confidence.
    public var reads: [PlateAlternative]
    /// Events that became publishable at this frame (after it, at the end of the stream).
    public var events: [PlateEvent]
    public var isEndOfStream: Bool
}

/// Hooks into a run for measurement; both are called often, so they must be cheap.
public struct RunObserver: Sendable {
    public var frame: @Sendable (FrameRecord) -> Void
    /// An event and the seconds its publishing (outbox, then sinks) took.
    public var published: @Sendable (PlateEvent, Double) -> Void
    public init(frame: @escaping @Sendable (FrameRecord) -> Void, published: @escaping @Sendable (PlateEvent, Double) -> Void) {
        self.frame = frame
        self.published = published
    }
}

/// Runs every configured camera until its source ends (files) or the task is cancelled (live sources).
///
/// Each camera decodes and analyses on its own thread (Tesseract engines are per thread); events cross
/// to the async world through one stream and are published in arrival order. A camera that fails is
/// reported with a typed error and the others keep running.
public struct PipelineRunner: Sendable {
    public let config: Config
    public let logger: Logger
    public let observer: RunObserver?
    /// Filled in by `run` for the management listener (`/readyz`, camera states).
    public let health: RunHealth?
    /// Reloads a running pipeline (SIGHUP).
    public let control = RunControl()

    public init(config: Config, logger: Logger, observer: RunObserver? = nil, health: RunHealth? = nil) {
        self.config = config
        self.logger = logger
        self.observer = observer
        self.health = health
    }

    enum Message: Sendable {
        case event(PlateEvent)
        case done(RunSummary.CameraResult)
    }

    public func makeSinks() throws -> [any EventSink] { try Self.makeSinks(config.sinks, site: config.site) }

    /// The name a sink of this config has (its cursor's key in the outbox).
    static func sinkName(_ sink: SinkConfig) -> String {
        switch sink {
        case .jsonl(let path): return JSONLSink.name(path: path)
        case .stdout: return StdoutSink().name
        case .webhook(let webhook): return WebhookSink.name(url: webhook.url)
        case .nats(let nats): return NATSSink.name(stream: nats.stream)
        }
    }

    public static func makeSinks(_ sinks: [SinkConfig], site: String) throws -> [any EventSink] {
        try sinks.map { sink -> any EventSink in
            switch sink {
            case .jsonl(let path): return try JSONLSink(path: path)
            case .stdout: return StdoutSink()
            case .webhook(let webhook): return try WebhookSink(config: webhook)
            case .nats(let nats): return try NATSSink(config: nats, site: site)
            }
        }
    }

    public func run(extraSinks: [any EventSink] = []) async throws -> RunSummary {
        let outbox = try Outbox(path: config.store)
        let sinks = try makeSinks() + extraSinks
        let publisher = EventPublisher(outbox: outbox, sinks: sinks, logger: logger, settings: config.delivery)
        try await publisher.start()

        let readers = try config.ocr.workers.map { try PlateReaderPool(size: $0, settings: config.ocr) }
            ?? PlateReaderPool.sized(cameras: config.cameras.count, settings: config.ocr)
        let (stream, continuation) = AsyncStream<Message>.makeStream()
        let stop = StopSignal()
        let roster = CameraRoster()
        // Starts one camera: its source and its analysis thread. Counted before the thread starts, so that the
        // run cannot end between a reload's stop of one camera and the start of another.
        @Sendable func launch(_ camera: CameraConfig) {
            let source = CameraSource(camera: camera, settings: config.ingest, logger: logger)
            guard roster.add(camera, source) else { return }
            let thread = Thread { [config, logger, observer] in
                Thread.current.name = "cam:\(camera.id)"
                let result = Self.runCamera(camera, source: source, config: config, readers: readers, logger: logger, stop: stop, observer: observer) {
                    continuation.yield(.event($0))
                }
                continuation.yield(.done(result))
            }
            thread.start()
        }
        health?.attach(sources: { roster.sources }, outbox: outbox, sinks: { sinks.map(\.name) })
        for camera in config.cameras { launch(camera) }
        let sinkState = SinkState(Dictionary(config.sinks.map { (Self.sinkName($0), $0) }, uniquingKeysWith: { a, _ in a }),
                                  fixed: Set(extraSinks.map(\.name)))
        control.install { [config, logger] next in
            // SIGHUP: cameras whose entry did not change keep running; removed or changed ones stop, new ones start.
            let (removed, added) = roster.diff(next.cameras)
            for (id, source) in removed {
                logger.notice("reload: camera stops", metadata: ["camera.id": "\(id)"])
                roster.retire(id)
                source.stop(timeout: 0)
            }
            for camera in added {
                logger.notice("reload: camera starts", metadata: ["camera.id": "\(camera.id)"])
                launch(camera)
            }
            // Sinks by name; one whose settings changed is restarted. Their outbox cursors carry over.
            let (keep, start) = sinkState.update(Dictionary(next.sinks.map { (Self.sinkName($0), $0) }, uniquingKeysWith: { a, _ in a }))
            await publisher.setSinks(keep: keep, add: try Self.makeSinks(start, site: config.site))
            logger.notice("reload: done", metadata: ["cameras": "\(roster.ids.joined(separator: ","))", "sinks": "\(keep.union(start.map(Self.sinkName)).sorted().joined(separator: ","))"])
        }
        defer { control.uninstall() }
        let journeyBook = try Self.journeyBook(site: config.site, replaying: outbox, logger: logger)
        // Events are taken off the stream by a task of their own, not cancelled with the run: a stop
        // (SIGTERM, task cancellation) ends the cameras, and every event they still emit is published
        // before `run` returns. Iterating the stream in this task would end at cancellation and lose them.
        let publishing = Task { [config, logger, observer] in
            var results: [RunSummary.CameraResult] = []
            var events = 0, yardEvents = 0
            var lanes = LaneMerger(window: config.tracking.mergeWindow)
            var journeys = journeyBook
            for await message in stream {
                switch message {
                case .event(let cameraEvent):
                    guard var event = lanes.merge(cameraEvent) else {
                        logger.debug("another camera of the lane saw the same vehicle", metadata: [
                            "camera.id": "\(cameraEvent.camera)", "plate": "\(cameraEvent.plate)"])
                        continue
                    }
                    var occupancy: [YardOccupancyEvent] = []
                    // A passage already stored (the same file read again after a crash) is no new journey step.
                    if event.type == .plateRead, (try? outbox.contains(id: event.id)) != true {
                        (event.journey, occupancy) = journeys.record(event)
                    }
                    do {
                        let started = DispatchTime.now().uptimeNanoseconds
                        try await publisher.publish(event)
                        observer?.published(event, Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9)
                        events += 1
                        for change in occupancy {
                            try await publisher.publish(change)
                            yardEvents += 1
                        }
                    } catch {
                        logger.error("could not store an event", metadata: ["error": "\(error)", "camera.id": "\(event.camera)"])
                    }
                case .done(let result):
                    results.append(result)
                    if roster.finished(result.camera) == 0 { continuation.finish() }
                }
            }
            return RunSummary(cameras: results.sorted { $0.camera < $1.camera }, events: events, yardEvents: yardEvents)
        }
        let summary = await withTaskCancellationHandler {
            await publishing.value
        } onCancel: {
            stop.set()
            roster.close()
            for source in roster.sources { source.stop(timeout: 0) }
        }
        // Give the sinks the flush timeout to catch up; what they have not taken waits in the outbox.
        if await !publisher.finish(timeout: config.delivery.flushTimeout) {
            logger.warning("sinks still behind at exit; the outbox keeps their events for the next start",
                           metadata: ["backlog": "\((try? outbox.status().map { "\($0.sink)=\($0.backlog)" }.joined(separator: ",")) ?? "?")"])
        }
        return summary
    }

    /// Journeys and yard counts as the stored `plate.read` events of the last days leave them, so that a
    /// restart (or a power cut) neither forgets the trucks in a yard nor starts their journeys anew.
    static func journeyBook(site: String, replaying outbox: Outbox, logger: Logger) throws -> JourneyBook {
        var book = JourneyBook(site: site)
        let stored = try outbox.plateReads(since: Date().addingTimeInterval(-book.timeout))
        for event in stored { _ = book.record(event, journeyId: event.journey?.id) }
        if !stored.isEmpty {
            logger.info("journeys rebuilt from the outbox", metadata: [
                "events.count": "\(stored.count)", "journeys.open": "\(book.openJourneys)",
                "yards": "\(book.occupancy.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ","))"])
        }
        return book
    }

    static func runCamera(_ camera: CameraConfig, source: CameraSource, config: Config, readers: PlateReaderPool, logger: Logger, stop: StopSignal,
                          observer: RunObserver?, emit: (PlateEvent) -> Void) -> RunSummary.CameraResult {
        var logger = logger
        logger[metadataKey: "camera.id"] = "\(camera.id)"
        let started = Date()
        var result = RunSummary.CameraResult(camera: camera.id, frames: 0, reads: 0, events: 0, seconds: 0, error: nil)
        do {
            source.start()
            let analyzer = FrameAnalyzer(readers: readers, tracking: config.tracking,
                                         locator: PlateLocator(settings: .init(closeUp: camera.closeUp)))
            analyzer.regionOfInterest = camera.roi
            func publish(_ passages: [Passage]) -> [PlateEvent] {
                let events = passages.map { PlateEvent($0, camera: camera, site: config.site, crop: Self.crop($0, settings: config.events, logger: logger)) }
                events.forEach(emit)
                result.events += events.count
                return events
            }
            var last: Frame?
            while !stop.isSet {
                guard let frame = try source.next() else { break }
                result.frames += 1
                let analysis = analyzer.analyse(frame)
                let events = publish(analysis.passages)
                observer?.frame(FrameRecord(camera: camera.id, index: frame.index, mediaTime: frame.mediaTime,
                                            captureTime: frame.captureTime, decodeSeconds: frame.decodeSeconds, cost: analysis.cost,
                                            ocrAttempts: analysis.ocrAttempts,
                                            reads: analysis.reads.map { PlateAlternative(plate: $0.plate, confidence: $0.confidence) }, events: events, isEndOfStream: false))
                last = frame
            }
            let events = publish(analyzer.finish())
            if let last {
                observer?.frame(FrameRecord(camera: camera.id, index: last.index, mediaTime: last.mediaTime, captureTime: Date(),
                                            decodeSeconds: 0, cost: StageSeconds(), ocrAttempts: 0, reads: [], events: events, isEndOfStream: true))
            }
            result.reads = analyzer.readsMade
        } catch let error as PlateWatchError {
            logger.error("camera failed", metadata: ["error": "\(error)"])
            result.error = error
        } catch {
            result.error = PlateWatchError(.internalFailure, subject: camera.id, message: "\(error)")
        }
        source.stop()
        result.source = source.stats
        result.seconds = Date().timeIntervalSince(started)
        logger.info("camera finished", metadata: ["frames": "\(result.frames)", "events": "\(result.events)"])
        return result
    }
}

/// The cameras of a run: which are running, and how many analysis threads have not reported yet.
final class CameraRoster: @unchecked Sendable {
    private let lock = NSLock()
    private var running: [String: (config: CameraConfig, source: CameraSource)] = [:]
    private var order: [String] = []
    private var unfinished = 0
    private var closed = false

    /// Registers a camera about to start; false once the run is stopping.
    func add(_ camera: CameraConfig, _ source: CameraSource) -> Bool {
        lock.withLock {
            guard !closed else { return false }
            running[camera.id] = (camera, source)
            if !order.contains(camera.id) { order.append(camera.id) }
            unfinished += 1
            return true
        }
    }

    /// A camera's thread reported; returns how many are still running.
    func finished(_ id: String) -> Int {
        lock.withLock {
            unfinished -= 1
            return unfinished
        }
    }

    func retire(_ id: String) {
        lock.withLock {
            running[id] = nil
            order.removeAll { $0 == id }
        }
    }

    func close() { lock.withLock { closed = true } }

    var sources: [CameraSource] { lock.withLock { order.compactMap { running[$0]?.source } } }
    var ids: [String] { lock.withLock { order } }

    /// Against a new camera list: the running cameras to stop (gone or changed) and the ones to start (new or changed).
    func diff(_ cameras: [CameraConfig]) -> (removed: [(String, CameraSource)], added: [CameraConfig]) {
        lock.withLock {
            let next = Dictionary(uniqueKeysWithValues: cameras.map { ($0.id, $0) })
            let removed = order.compactMap { id -> (String, CameraSource)? in
                guard let entry = running[id], next[id] != entry.config else { return nil }
                return (id, entry.source)
            }
            let added = cameras.filter { camera in running[camera.id]?.config != camera }
            return (removed, added)
        }
    }
}

/// The sinks a run delivers to, by name, for a reload to tell kept, changed and new ones apart.
final class SinkState: @unchecked Sendable {
    private let lock = NSLock()
    private var current: [String: SinkConfig]
    /// Sinks given in code (tests), never replaced by a reload.
    private let fixed: Set<String>

    init(_ current: [String: SinkConfig], fixed: Set<String>) {
        self.current = current
        self.fixed = fixed
    }

    /// Takes the new sinks; returns the names to keep running and the configs to start.
    func update(_ next: [String: SinkConfig]) -> (keep: Set<String>, start: [SinkConfig]) {
        lock.withLock {
            let keep = Set(next.filter { current[$0.key] == $0.value }.keys).union(fixed)
            let start = next.filter { current[$0.key] != $0.value }.sorted { $0.key < $1.key }.map(\.value)
            current = next
            return (keep, start)
        }
    }
}

/// A handle on a running pipeline, for reloading it from outside (the SIGHUP handler).
public final class RunControl: @unchecked Sendable {
    private let lock = NSLock()
    private var handler: (@Sendable (Config) async throws -> Void)?

    func install(_ handler: @escaping @Sendable (Config) async throws -> Void) { lock.withLock { self.handler = handler } }
    func uninstall() { lock.withLock { handler = nil } }

    /// Applies the camera list and sinks of `config` to the running pipeline; other keys need a restart.
    /// False when no run is in progress.
    @discardableResult
    public func reload(_ config: Config) async throws -> Bool {
        guard let handler = lock.withLock({ self.handler }) else { return false }
        try await handler(config)
        return true
    }
}

extension PipelineRunner {
    /// The passage's plate picture as the config wants it in the event; nil when off or when encoding failed
    /// (the event matters more than its picture).
    static func crop(_ passage: Passage, settings: EventSettings, logger: Logger) -> PlateEvent.Crop? {
        guard settings.crop != .none, let image = passage.image else { return nil }
        do {
            let jpeg = try JPEGEncoder.encode(image)
            var crop = PlateEvent.Crop(width: image.width, height: image.height)
            switch settings.crop {
            case .inline:
                crop.jpegBase64 = jpeg.base64EncodedString()
            case .file:
                try FileManager.default.createDirectory(atPath: settings.cropDirectory, withIntermediateDirectories: true)
                let path = "\(settings.cropDirectory)/\(passage.id.uuidString.lowercased())-\(passage.change.rawValue)-\(passage.plate).jpg"
                guard FileManager.default.createFile(atPath: path, contents: jpeg) else {
                    throw PlateWatchError(.store, subject: path, message: "cannot write the plate picture", hint: "check that events.crop_dir is writable")
                }
                crop.path = path
            case .none:
                return nil
            }
            return crop
        } catch {
            logger.warning("plate picture left out of the event", metadata: ["error": "\(error)", "plate": "\(passage.plate)"])
            return nil
        }
    }
}

extension PlateEvent {
    public init(_ passage: Passage, camera: CameraConfig, site: String, crop: Crop? = nil) {
        // A file read again (a restart after a crash) must give the same ids: derive them from what the
        // passage is. Live passages happen once: random ids.
        let passageId = camera.isFile
            ? UUID.derived(from: "\(site)|\(camera.id)|\(camera.url)|\(String(format: "%.3f", passage.firstMedia.seconds))") : passage.id
        let id = camera.isFile ? UUID.derived(from: "\(passageId)|\(passage.change.rawValue)|\(passage.plate)") : UUID()
        self.init(
            id: id, type: passage.change == .read ? .plateRead : .plateUpdated,
            site: site, camera: camera.id, group: camera.group, role: camera.role,
            yard: camera.role == .yardIn || camera.role == .yardOut ? camera.yard ?? "yard" : nil,
            passageId: passageId, plate: passage.plate,
            display: passage.display, format: passage.format, confidence: passage.confidence,
            firstSeen: passage.firstSeen, lastSeen: passage.lastSeen,
            mediaTime: camera.isFile ? MediaSpan(first: passage.firstMedia.seconds, last: passage.lastMedia.seconds) : nil,
            box: passage.box, votes: passage.votes, reads: passage.reads, candidates: passage.candidates, crop: crop)
    }
}
