import Delivery
import Foundation
import Logging
import PlateWatchCore
import Testing

func temporaryFolder() -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("platewatch-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

func sampleEvent(_ plate: String = "51F67890") -> PlateEvent {
    PlateEvent(site: "s", camera: "c", group: "g", role: .entry, plate: plate, display: plate, format: .vnOneLine,
               confidence: 0.9, firstSeen: Date(), lastSeen: Date(), mediaTime: nil,
               box: PixelRect(x: 0, y: 0, width: 1, height: 1), votes: 3, reads: 3, candidates: [])
}

/// Fails its first `failures` deliveries, then records lines.
final class FlakySink: EventSink, @unchecked Sendable {
    let name = "flaky"
    var failures: Int
    var lines: [String] = []
    init(failures: Int) { self.failures = failures }
    func deliver(_ jsonLine: String) throws {
        if failures > 0 {
            failures -= 1
            throw PlateWatchError(.sink, subject: name, message: "down")
        }
        lines.append(jsonLine)
    }
}

@Suite struct OutboxTests {
    @Test func eventsStayPendingUntilDelivered() throws {
        let outbox = try Outbox(path: temporaryFolder().appendingPathComponent("o.sqlite").path)
        let first = try outbox.append(sampleEvent("51F67890"))
        let second = try outbox.append(sampleEvent("29A12345"))
        #expect(try outbox.pending().map(\.sequence) == [first, second])
        try outbox.markDelivered(first)
        #expect(try outbox.pending().map(\.sequence) == [second])
        #expect(try outbox.count() == 2)
    }

    @Test func aFailedSinkIsRetriedOnTheNextStart() async throws {
        let path = temporaryFolder().appendingPathComponent("o.sqlite").path
        let sink = FlakySink(failures: 1)
        let event = sampleEvent()
        do {
            let publisher = EventPublisher(outbox: try Outbox(path: path), sinks: [sink], logger: Logger(label: "test"))
            try await publisher.publish(event)
        }
        #expect(sink.lines.isEmpty)
        // A new process opens the same store: the event is delivered then, exactly once more.
        let publisher = EventPublisher(outbox: try Outbox(path: path), sinks: [sink], logger: Logger(label: "test"))
        try await publisher.redeliverPending()
        try await publisher.redeliverPending()
        #expect(sink.lines.count == 1)
        #expect(sink.lines.first?.contains(event.id.uuidString) == true)
        #expect(try Outbox(path: path).pending().isEmpty)
    }

    @Test func jsonlSinkAppendsOneObjectPerLine() throws {
        let path = temporaryFolder().appendingPathComponent("sub/events.jsonl").path
        do {
            let sink = try JSONLSink(path: path)
            try sink.deliver(try sampleEvent("51F67890").jsonLine())
        }
        let sink = try JSONLSink(path: path)
        try sink.deliver(try sampleEvent("29A12345").jsonLine())
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 2)
        let plates = try lines.map { try PlateEvent.makeDecoder().decode(PlateEvent.self, from: Data($0.utf8)).plate }
        #expect(plates == ["51F67890", "29A12345"])
    }

    @Test func unwritableStoreIsATypedError() {
        let error = #expect(throws: PlateWatchError.self) { try Outbox(path: "/proc/platewatch/o.sqlite") }
        #expect(error?.code == .store)
    }
}
