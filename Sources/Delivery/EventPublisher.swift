import Foundation
import Logging
import PlateWatchCore

/// Serialises publishing: outbox first, then each sink, then the delivered mark.
public actor EventPublisher {
    private let outbox: Outbox
    private let sinks: [any EventSink]
    private let logger: Logger
    public private(set) var published = 0

    public init(outbox: Outbox, sinks: [any EventSink], logger: Logger) {
        self.outbox = outbox
        self.sinks = sinks
        self.logger = logger
    }

    /// Delivers what an earlier run stored but could not hand to every sink (crash, power cut, full disk).
    public func redeliverPending() throws {
        let pending = try outbox.pending()
        guard !pending.isEmpty else { return }
        logger.notice("re-delivering events stored by an earlier run", metadata: ["events.count": "\(pending.count)"])
        for item in pending { try deliver(item.json, sequence: item.sequence) }
    }

    public func publish(_ event: any OutboundEvent) throws {
        let sequence = try outbox.append(event)
        published += 1
        try deliver(try event.jsonLine(), sequence: sequence)
    }

    private func deliver(_ json: String, sequence: Int64) throws {
        for sink in sinks {
            do {
                try sink.deliver(json)
            } catch {
                // The event stays pending in the outbox; the next start delivers it again.
                logger.error("sink failed; event kept in the outbox", metadata: ["sink": "\(sink.name)", "error": "\(error)"])
                return
            }
        }
        try outbox.markDelivered(sequence)
    }
}
