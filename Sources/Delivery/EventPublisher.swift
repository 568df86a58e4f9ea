import Foundation
import Logging
import Metrics
import PlateWatchCore

/// Stores every event in the outbox, then lets each sink take it at its own pace.
///
/// `publish` returns once the event is committed; a task per sink delivers from its cursor in order,
/// retrying a failing sink with backoff while the others go on. A sink that is down therefore costs
/// nothing but backlog, and a restart resumes every sink where it stopped.
public actor EventPublisher {
    private let outbox: Outbox
    private var sinks: [any EventSink]
    private let logger: Logger
    private let settings: DeliverySettings
    private var workers: [SinkWorker] = []
    public private(set) var published = 0
    private var appendsSinceCheck = 0
    private let overCapGauge = Gauge(label: "platewatch_outbox_over_cap")
    private let publishedCounter = Counter(label: "platewatch_events_published_total")

    public init(outbox: Outbox, sinks: [any EventSink], logger: Logger, settings: DeliverySettings = DeliverySettings()) {
        self.outbox = outbox
        self.sinks = sinks
        self.logger = logger
        self.settings = settings
    }

    /// Starts a delivery task per sink; each begins at its cursor (what an earlier run left undelivered first).
    public func start() throws {
        guard workers.isEmpty else { return }
        for sink in sinks {
            let worker = SinkWorker(sink: sink, outbox: outbox, logger: logger, settings: settings, start: try outbox.cursor(for: sink.name))
            workers.append(worker)
            worker.start()
        }
        let backlog = try outbox.status().filter { status in sinks.contains { $0.name == status.sink } && status.backlog > 0 }
        for status in backlog {
            logger.notice("delivering events stored by an earlier run", metadata: ["sink": "\(status.sink)", "events.count": "\(status.backlog)"])
        }
        try housekeeping()
    }

    /// A reload: the sinks named in `keep` go on; the others stop (their cursors stay in the outbox) and
    /// `add` start from their cursors.
    public func setSinks(keep: Set<String>, add: [any EventSink]) async {
        for worker in workers where !keep.contains(worker.sink.name) {
            await worker.stop()
            await worker.sink.shutdown()
        }
        workers.removeAll { !keep.contains($0.sink.name) }
        sinks.removeAll { !keep.contains($0.name) }
        for sink in add {
            guard let start = try? outbox.cursor(for: sink.name) else { continue }
            let worker = SinkWorker(sink: sink, outbox: outbox, logger: logger, settings: settings, start: start)
            workers.append(worker)
            sinks.append(sink)
            worker.start()
        }
    }

    /// Commits the event, then wakes the sinks.
    public func publish(_ event: any OutboundEvent) throws {
        _ = try outbox.append(event)
        published += 1
        publishedCounter.increment()
        for worker in workers { worker.wake() }
        appendsSinceCheck += 1
        if appendsSinceCheck >= 200 { try housekeeping() }
    }

    /// Waits until every sink has taken every stored event, or `timeout`; then stops the delivery tasks.
    /// Returns whether all were delivered (what is not stays in the outbox for the next start).
    @discardableResult
    public func finish(timeout: TimeInterval) async -> Bool {
        let last = (try? outbox.lastSequence()) ?? 0
        let until = Date().addingTimeInterval(timeout)
        while workers.contains(where: { $0.delivered < last }) && Date() < until {
            try? await Task.sleep(for: .milliseconds(20))
        }
        let done = !workers.contains { $0.delivered < last }
        for worker in workers { await worker.stop() }
        workers = []
        for sink in sinks { await sink.shutdown() }
        return done
    }

    /// Prunes what every sink has taken past the retention, and what is needed to stay under the size cap.
    private func housekeeping() throws {
        appendsSinceCheck = 0
        let names = sinks.map(\.name)
        try outbox.prune(retention: settings.retention, sinks: names)
        guard outbox.sizeOnDisk() > settings.maxBytes else {
            overCapGauge.record(0)
            return
        }
        try outbox.prune(retention: settings.retention, sinks: names, overCap: true)
        let size = outbox.sizeOnDisk()
        overCapGauge.record(size > settings.maxBytes ? 1 : 0)
        if size > settings.maxBytes {
            // Never evict what a sink has not taken: say so loudly instead.
            logger.error("event store over its size cap with undelivered events", metadata: [
                "bytes": "\(size)", "cap": "\(settings.maxBytes)",
                "backlog": "\((try? outbox.status().map { "\($0.sink)=\($0.backlog)" }.joined(separator: ",")) ?? "?")"])
        }
    }
}

/// Delivers one sink's events in order from its cursor, retrying with backoff.
final class SinkWorker: @unchecked Sendable {
    let sink: any EventSink
    private let outbox: Outbox
    private let logger: Logger
    private let settings: DeliverySettings
    private let signal = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
    private var task: Task<Void, Never>?
    private var ticker: Task<Void, Never>?
    private let lock = NSLock()
    private var deliveredSequence: Int64
    private let deliveredCounter: Counter
    private let retryCounter: Counter
    private let deadCounter: Counter

    init(sink: any EventSink, outbox: Outbox, logger: Logger, settings: DeliverySettings, start: Int64) {
        self.sink = sink
        self.outbox = outbox
        var logger = logger
        logger[metadataKey: "sink"] = "\(sink.name)"
        self.logger = logger
        self.settings = settings
        deliveredSequence = start
        let dimensions = [("sink", sink.name)]
        deliveredCounter = Counter(label: "platewatch_sink_delivered_total", dimensions: dimensions)
        retryCounter = Counter(label: "platewatch_sink_retries_total", dimensions: dimensions)
        deadCounter = Counter(label: "platewatch_sink_dead_letters_total", dimensions: dimensions)
    }

    /// The last sequence this sink has taken.
    var delivered: Int64 { lock.withLock { deliveredSequence } }

    func start() {
        task = Task { await run() }
        // A tick a second also wakes an idle sink: it then sees a `replay` made by another process.
        ticker = Task { [signal] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                signal.continuation.yield()
            }
        }
    }

    func wake() { signal.continuation.yield() }

    func stop() async {
        task?.cancel()
        ticker?.cancel()
        signal.continuation.finish()
        await task?.value
    }

    private func run() async {
        var failures = 0
        var wakes = signal.stream.makeAsyncIterator()
        while !Task.isCancelled {
            do {
                let cursor = try outbox.cursor(for: sink.name)
                lock.withLock { deliveredSequence = cursor }
                let batch = try outbox.events(after: cursor, limit: 64)
                if batch.isEmpty {
                    guard await wakes.next() != nil else { return }
                    continue
                }
                var position = cursor
                for item in batch {
                    try Task.checkCancellation()
                    do {
                        try await sink.deliver(item)
                        deliveredCounter.increment()
                        failures = 0
                    } catch let rejection as SinkRejection {
                        try outbox.deadLetter(item, sink: sink.name, reason: rejection.reason)
                        deadCounter.increment()
                        logger.error("event refused by the sink; parked as a dead letter", metadata: [
                            "event.id": "\(item.id)", "reason": "\(rejection.reason)"])
                    }
                    guard try outbox.advance(sink.name, from: position, to: item.sequence) else { break }
                    position = item.sequence
                    lock.withLock { deliveredSequence = position }
                }
            } catch is CancellationError {
                return
            } catch {
                // The sink (or the store) failed: wait and try the same event again.
                failures += 1
                retryCounter.increment()
                let delay = min(settings.retryMax, settings.retryInitial * pow(2, Double(min(failures - 1, 30)))) * Double.random(in: 0.75...1.25)
                logger.warning("sink failed; event kept, retrying", metadata: [
                    "error": "\(error)", "retry.in": "\(String(format: "%.2f", delay)) s", "failures": "\(failures)"])
                try? await Task.sleep(for: .seconds(delay))
            }
        }
    }
}
