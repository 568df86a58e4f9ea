import Delivery
import Foundation
import Logging
import PlateWatchCore
import Synchronization

/// Fans desk happenings out to every open Live page (Server-Sent Events). A page that cannot keep up loses
/// its oldest frames, never blocks the feed.
public final class LiveHub: Sendable {
    private let subscribers = Mutex<[UUID: AsyncStream<String>.Continuation]>([:])

    public init() {}

    /// A stream of ready-to-write SSE frames; ends when the hub is told to close or the reader goes away.
    public func subscribe() -> AsyncStream<String> {
        let id = UUID()
        let (stream, continuation) = AsyncStream<String>.makeStream(bufferingPolicy: .bufferingNewest(256))
        continuation.onTermination = { [weak self] _ in self?.subscribers.withLock { _ = $0.removeValue(forKey: id) } }
        subscribers.withLock { $0[id] = continuation }
        return stream
    }

    public func send<T: Encodable>(_ event: String, _ value: T) {
        guard let data = try? DeskJSON.encoder.encode(value) else { return }
        broadcast("event: \(event)\ndata: \(String(decoding: data, as: UTF8.self))\n\n")
    }

    /// A comment line: keeps proxies and the browser from closing an idle stream.
    public func heartbeat() { broadcast(": keep-alive\n\n") }

    public func close() {
        let all = subscribers.withLock { current in defer { current.removeAll() }; return Array(current.values) }
        all.forEach { $0.finish() }
    }

    private func broadcast(_ frame: String) {
        for continuation in subscribers.withLock({ Array($0.values) }) { continuation.yield(frame) }
    }
}

/// Where the desk's events come from: the outbox of the box it runs on (the pipeline may be another process
/// writing the same file, so it is polled from the desk's own cursor), or for a central desk the JetStream
/// stream every box publishes to (a durable consumer: what was acknowledged is not sent again).
public enum DeskFeedSource: Sendable {
    case outbox(Outbox)
    case nats(NATSEventSource)
}

/// Copies events into the desk's store in order, raising watchlist alerts and telling the Live pages.
public final class DeskFeed: Sendable {
    let source: DeskFeedSource
    let store: any DeskStore
    let hub: LiveHub
    let logger: Logger
    let interval: Duration

    public init(source: DeskFeedSource, store: any DeskStore, hub: LiveHub, logger: Logger, interval: Duration = .milliseconds(200)) {
        self.source = source
        self.store = store
        self.hub = hub
        self.logger = logger
        self.interval = interval
    }

    public convenience init(outbox: Outbox, store: any DeskStore, hub: LiveHub, logger: Logger) {
        self.init(source: .outbox(outbox), store: store, hub: hub, logger: logger)
    }

    /// Runs until cancelled; a failing read is logged and retried, the desk stays up.
    public func run() async {
        var beats = ContinuousClock.now
        var failing = false
        while !Task.isCancelled {
            do {
                let taken = try await catchUp()
                if failing { logger.notice("desk feed: reading events again") }
                failing = false
                if taken > 0 { continue }
            } catch {
                if !failing { logger.error("desk feed: reading events failed; retrying", metadata: ["error": "\(error)"]) }
                failing = true
                try? await Task.sleep(for: .seconds(1))
            }
            if ContinuousClock.now - beats > .seconds(15) {
                hub.heartbeat()
                beats = .now
            }
            if case .outbox = source { try? await Task.sleep(for: interval) }
        }
    }

    /// Takes the next batch of events; returns how many it took. From JetStream it waits up to a second.
    @discardableResult
    public func catchUp(limit: Int = 200) async throws -> Int {
        switch source {
        case .outbox(let outbox):
            var cursor = try await store.feedCursor()
            // An outbox made anew (a new box, a deleted file) numbers from 1 again: start over; the store
            // drops what it has already.
            if cursor > 0, try outbox.lastSequence() < cursor { cursor = 0 }
            let items = try outbox.events(after: cursor, limit: limit)
            for item in items { try await take(item.json) }
            if let last = items.last { try await store.setFeedCursor(last.sequence) }
            return items.count
        case .nats(let nats):
            let batch = try await nats.fetch(batch: limit, timeout: 1)
            for body in batch.bodies { try await take(body) }
            // Acknowledged once stored: a crash before this gets the batch again, and the store drops repeats.
            try batch.acknowledge()
            return batch.bodies.count
        }
    }

    private func take(_ json: String) async throws {
        struct Head: Decodable { var type: String }
        let decoder = PlateEvent.makeDecoder(), data = Data(json.utf8)
        guard let head = try? decoder.decode(Head.self, from: data) else {
            logger.warning("desk feed: an event without a type is skipped", metadata: ["event": "\(json.prefix(120))"])
            return
        }
        switch head.type {
        case PlateEvent.Kind.plateRead.rawValue, PlateEvent.Kind.plateUpdated.rawValue:
            guard let event = try? decoder.decode(PlateEvent.self, from: data) else {
                logger.warning("desk feed: an event that does not decode is skipped", metadata: ["event": "\(json.prefix(120))"])
                return
            }
            try await take(event)
        case YardOccupancyEvent.typeName:
            guard let event = try? decoder.decode(YardOccupancyEvent.self, from: data) else { return }
            try await store.ingest(event)
        default:
            break  // plate.corrected came from a desk, which has applied it already
        }
    }

    private func take(_ event: PlateEvent) async throws {
        let crop = event.crop?.jpegBase64.flatMap { Data(base64Encoded: $0) }
        guard var passage = try await store.ingest(event, crop: crop) else { return }
        if let entry = try await store.watchlist(now: Date()).first(where: { $0.plate == passage.plate }) {
            passage.watch = .init(reason: entry.reason)
            // One alert per passage: a plate.updated of a watched passage does not ring again.
            let alert = Alert(id: "alert-\(passage.passageId)", plate: passage.plate, reason: entry.reason,
                              passageId: passage.passageId, camera: passage.camera, time: passage.time)
            if try await store.addAlert(alert) {
                try await store.audit(user: "system", action: "watchlist.hit", subject: passage.plate,
                                      detail: "\(entry.reason) at \(passage.camera)", at: Date())
                logger.warning("watchlisted plate seen", metadata: ["plate": "\(passage.plate)", "camera": "\(passage.camera)"])
                hub.send("alert", alert)
            }
        }
        hub.send("passage", passage)
    }
}

/// The desk's JSON: snake_case keys as declared, RFC 3339 times (the event encoder's).
enum DeskJSON {
    static let encoder = PlateEvent.makeEncoder()
    static let decoder = PlateEvent.makeDecoder()
}

