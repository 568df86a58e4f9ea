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

    public var count: Int { subscribers.withLock { $0.count } }

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

/// Copies the outbox's events into the desk's store, in order from the desk's own cursor, raising watchlist
/// alerts and telling the Live pages. Polls: the pipeline may be another process writing the same file.
public final class DeskFeed: Sendable {
    let outbox: Outbox
    let store: any DeskStore
    let hub: LiveHub
    let logger: Logger
    let interval: Duration

    public init(outbox: Outbox, store: any DeskStore, hub: LiveHub, logger: Logger, interval: Duration = .milliseconds(200)) {
        self.outbox = outbox
        self.store = store
        self.hub = hub
        self.logger = logger
        self.interval = interval
    }

    /// Runs until cancelled; a failing read is logged and retried, the desk stays up.
    public func run() async {
        var beats = ContinuousClock.now
        while !Task.isCancelled {
            do {
                let taken = try await catchUp()
                if taken > 0 { continue }
            } catch {
                logger.error("desk feed: reading the outbox failed; retrying", metadata: ["error": "\(error)"])
            }
            if ContinuousClock.now - beats > .seconds(15) {
                hub.heartbeat()
                beats = .now
            }
            try? await Task.sleep(for: interval)
        }
    }

    /// Takes the next batch of events; returns how many it took.
    @discardableResult
    public func catchUp(limit: Int = 200) async throws -> Int {
        let cursor = try await store.feedCursor()
        let items = try outbox.events(after: cursor, limit: limit)
        for item in items { try await take(item) }
        if let last = items.last { try await store.setFeedCursor(last.sequence) }
        return items.count
    }

    private func take(_ item: Outbox.Item) async throws {
        let decoder = PlateEvent.makeDecoder()
        switch item.type {
        case PlateEvent.Kind.plateRead.rawValue, PlateEvent.Kind.plateUpdated.rawValue:
            guard let event = try? decoder.decode(PlateEvent.self, from: Data(item.json.utf8)) else {
                logger.warning("desk feed: an event that does not decode is skipped", metadata: ["id": "\(item.id)"])
                return
            }
            let crop = event.crop?.jpegBase64.flatMap { Data(base64Encoded: $0) }
            guard var passage = try await store.ingest(event, crop: crop) else { return }
            if let entry = try await store.watchlist(now: Date()).first(where: { $0.plate == passage.plate }) {
                passage.watch = .init(reason: entry.reason)
                // One alert per passage: a plate.updated of a watched passage does not ring again.
                let alert = Alert(id: "alert-\(passage.passageId)", plate: passage.plate, reason: entry.reason,
                                  passageId: passage.passageId, camera: passage.camera, time: passage.time)
                if try await !store.alerts(openOnly: false).contains(where: { $0.id == alert.id }) {
                    try await store.addAlert(alert)
                    try await store.audit(user: "system", action: "watchlist.hit", subject: passage.plate,
                                          detail: "\(entry.reason) at \(passage.camera)", at: Date())
                    logger.warning("watchlisted plate seen", metadata: ["plate": "\(passage.plate)", "camera": "\(passage.camera)"])
                    hub.send("alert", alert)
                }
            }
            hub.send("passage", passage)
        case YardOccupancyEvent.typeName:
            guard let event = try? decoder.decode(YardOccupancyEvent.self, from: Data(item.json.utf8)) else { return }
            try await store.ingest(event)
        default:
            break  // plate.corrected came from a desk, which has applied it already
        }
    }
}

/// The desk's JSON: snake_case keys as declared, RFC 3339 times (the event encoder's).
enum DeskJSON {
    static let encoder = PlateEvent.makeEncoder()
    static let decoder = PlateEvent.makeDecoder()
}

