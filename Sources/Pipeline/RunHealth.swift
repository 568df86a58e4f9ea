import Delivery
import Foundation
import Ingest
import Metrics
import PlateWatchCore

/// What a running pipeline exposes to the management listener: its cameras, its store, its sinks.
///
/// Readiness answers "is this box doing its job": every enabled camera streaming (or not for less than
/// `unreadyAfter`: a camera rebooting is expected), the store readable with disk to spare, and no sink
/// further behind than `sinkLagMax`.
public final class RunHealth: @unchecked Sendable {
    public struct Readiness: Sendable {
        public var ready: Bool
        /// One line per check, failures first.
        public var lines: [String]
    }

    public struct Limits: Sendable {
        /// A live camera may be out of `streaming` this long before the box is unready. Default 30 s.
        public var unreadyAfter: Double = 30
        /// The oldest event a sink has not taken may wait this long. Default 300 s.
        public var sinkLagMax: Double = 300
        /// Free space the store's disk must keep. Default 100 MB.
        public var minFreeBytes: Int = 100_000_000
        public init() {}
    }

    private let lock = NSLock()
    private var sourceList: @Sendable () -> [CameraSource] = { [] }
    private var outbox: Outbox?
    private var sinkList: @Sendable () -> [String] = { [] }
    private var attachedAt = Date()
    public let limits: Limits

    public init(limits: Limits = Limits()) { self.limits = limits }

    func attach(sources: @escaping @Sendable () -> [CameraSource], outbox: Outbox, sinks: @escaping @Sendable () -> [String]) {
        lock.withLock {
            sourceList = sources
            self.outbox = outbox
            sinkList = sinks
            attachedAt = Date()
        }
    }

    public var cameras: [(id: String, stats: CameraSource.Stats)] {
        lock.withLock { sourceList }().map { ($0.id, $0.stats) }
    }

    /// The camera's recent quarter-size picture (see `CameraSource.thumbnail`).
    public func thumbnail(_ camera: String) -> LumaImage? {
        lock.withLock { sourceList }().first { $0.id == camera }?.thumbnail
    }

    public func readiness(now: Date = Date()) -> Readiness {
        let (listSources, outbox, listSinks, since) = lock.withLock { (sourceList, self.outbox, sinkList, attachedAt) }
        let (sources, sinks) = (listSources(), listSinks())
        guard let outbox else { return Readiness(ready: false, lines: ["pipeline: starting"]) }
        var bad: [String] = [], good: [String] = []
        for source in sources {
            let stats = source.stats
            switch stats.state {
            case .streaming, .ended:
                good.append("camera \(source.id): \(stats.state.rawValue)")
            case .failed:
                bad.append("camera \(source.id): failed: \(stats.lastError.map { "\($0)" } ?? "")")
            default:
                let down = now.timeIntervalSince(stats.lastFrame ?? since)
                let line = "camera \(source.id): \(stats.state.rawValue) for \(Int(down)) s" + (stats.lastError.map { " (\($0))" } ?? "")
                if down > limits.unreadyAfter { bad.append(line) } else { good.append(line) }
            }
        }
        do {
            _ = try outbox.lastSequence()
            let folder = URL(fileURLWithPath: outbox.path).deletingLastPathComponent().path
            let free = (try? FileManager.default.attributesOfFileSystem(forPath: folder)[.systemFreeSize] as? Int) ?? Int.max
            if free < limits.minFreeBytes {
                bad.append("store: \(free / 1_000_000) MB free, below \(limits.minFreeBytes / 1_000_000) MB")
            } else {
                good.append("store: ok, \(free / 1_000_000) MB free")
            }
            for status in try outbox.status(now: now) where sinks.contains(status.sink) {
                let lag = status.oldestUndeliveredSeconds ?? 0
                let line = "sink \(status.sink): backlog \(status.backlog), oldest \(Int(lag)) s, \(status.deadLetters) dead letter(s)"
                if lag > limits.sinkLagMax { bad.append(line) } else { good.append(line) }
            }
        } catch {
            bad.append("store: \(error)")
        }
        return Readiness(ready: bad.isEmpty, lines: bad + good)
    }

    /// Sets the gauges that are read from the store rather than counted: backlog and oldest waiting event per
    /// sink. Called before each `/metrics` answer.
    public func updateStoreGauges(now: Date = Date()) {
        let (outbox, listSinks) = lock.withLock { (self.outbox, sinkList) }
        let sinks = listSinks()
        guard let outbox, let rows = try? outbox.status(now: now) else { return }
        for row in rows where sinks.contains(row.sink) {
            Gauge(label: "platewatch_sink_backlog", dimensions: [("sink", row.sink)]).record(row.backlog)
            Gauge(label: "platewatch_sink_oldest_undelivered_seconds", dimensions: [("sink", row.sink)]).record(row.oldestUndeliveredSeconds ?? 0)
            Gauge(label: "platewatch_sink_dead_letters", dimensions: [("sink", row.sink)]).record(row.deadLetters)
        }
    }
}
