import Delivery
import Foundation
import Ingest
import Logging
import OCR
import PlateWatchCore
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

    public func makeSinks() throws -> [any EventSink] {
        try config.sinks.map { sink -> any EventSink in
            switch sink {
            case .jsonl(let path): return try JSONLSink(path: path)
            case .stdout: return StdoutSink()
            case .webhook(let webhook): return try WebhookSink(config: webhook)
            case .nats(let nats): return try NATSSink(config: nats, site: config.site)
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
        let stop = StopFlag()
        let sources = config.cameras.map { CameraSource(camera: $0, settings: config.ingest, logger: logger) }
        health?.attach(sources: sources, outbox: outbox, sinks: sinks.map(\.name))
        for (camera, source) in zip(config.cameras, sources) {
            let thread = Thread { [config, logger, observer] in
                Thread.current.name = "cam:\(camera.id)"
                let result = Self.runCamera(camera, source: source, config: config, readers: readers, logger: logger, stop: stop, observer: observer) {
                    continuation.yield(.event($0))
                }
                continuation.yield(.done(result))
            }
            thread.start()
        }

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
                    if results.count == config.cameras.count { continuation.finish() }
                }
            }
            return RunSummary(cameras: results.sorted { $0.camera < $1.camera }, events: events, yardEvents: yardEvents)
        }
        let summary = await withTaskCancellationHandler {
            await publishing.value
        } onCancel: {
            stop.set()
            for source in sources { source.stop(timeout: 0) }
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

    static func runCamera(_ camera: CameraConfig, source: CameraSource, config: Config, readers: PlateReaderPool, logger: Logger, stop: StopFlag,
                          observer: RunObserver?, emit: (PlateEvent) -> Void) -> RunSummary.CameraResult {
        var logger = logger
        logger[metadataKey: "camera.id"] = "\(camera.id)"
        let started = Date()
        var result = RunSummary.CameraResult(camera: camera.id, frames: 0, reads: 0, events: 0, seconds: 0, error: nil)
        do {
            source.start()
            defer { source.stop() }
            let analyzer = FrameAnalyzer(readers: readers, tracking: config.tracking)
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

/// Set once from the async side, polled per frame by camera threads.
final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.withLock { value = true } }
    var isSet: Bool { lock.withLock { value } }
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
