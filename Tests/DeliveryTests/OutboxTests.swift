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

func sampleEvent(_ plate: String = "51F67890", camera: String = "c") -> PlateEvent {
    PlateEvent(site: "s", camera: camera, group: "g", role: .entry, plate: plate, display: plate, format: .vnOneLine,
               confidence: 0.9, firstSeen: Date(), lastSeen: Date(), mediaTime: nil,
               box: PixelRect(x: 0, y: 0, width: 1, height: 1), votes: 3, reads: 3, candidates: [])
}

/// Fails its first `failures` deliveries, refuses the events whose id is in `refuse`, records the rest.
final class ScriptedSink: EventSink, @unchecked Sendable {
    let name: String
    private let lock = NSLock()
    private var failures: Int
    private let refuse: Set<String>
    private var taken: [String] = []
    init(_ name: String = "scripted", failures: Int = 0, refuse: Set<String> = []) {
        self.name = name
        self.failures = failures
        self.refuse = refuse
    }
    var ids: [String] { lock.withLock { taken } }
    func deliver(_ event: Outbox.Item) async throws {
        try lock.withLock {
            if failures > 0 {
                failures -= 1
                throw PlateWatchError(.sink, subject: name, message: "down")
            }
            if refuse.contains(event.id) { throw SinkRejection("HTTP 422: bad plate") }
            taken.append(event.id)
        }
    }
}

func fastRetries() -> DeliverySettings {
    var settings = DeliverySettings()
    settings.retryInitial = 0.01
    settings.retryMax = 0.05
    return settings
}

@Suite struct OutboxTests {
    @Test func eachSinkKeepsItsOwnCursor() throws {
        let outbox = try Outbox(path: temporaryFolder().appendingPathComponent("o.sqlite").path)
        #expect(try outbox.cursor(for: "a") == 0)
        let first = try outbox.append(sampleEvent("51F67890"))
        let second = try outbox.append(sampleEvent("29A12345"))
        #expect(try outbox.events(after: outbox.cursor(for: "a")).map(\.sequence) == [first, second])
        #expect(try outbox.advance("a", from: 0, to: first))
        #expect(try outbox.events(after: outbox.cursor(for: "a")).map(\.sequence) == [second])
        #expect(try outbox.cursor(for: "b") == second, "a sink seen for the first time starts at the end")
        #expect(try !outbox.advance("a", from: 0, to: second), "a cursor moved meanwhile is not overwritten")
    }

    @Test func theSameEventIsStoredOnce() throws {
        let outbox = try Outbox(path: temporaryFolder().appendingPathComponent("o.sqlite").path)
        let event = sampleEvent()
        let first = try outbox.append(event)
        #expect(try outbox.append(event) == first)
        #expect(try outbox.count() == 1)
    }

    @Test func aFailingSinkIsRetriedAndTheOthersGoOn() async throws {
        let outbox = try Outbox(path: temporaryFolder().appendingPathComponent("o.sqlite").path)
        let flaky = ScriptedSink("flaky", failures: 3), steady = ScriptedSink("steady")
        let publisher = EventPublisher(outbox: outbox, sinks: [flaky, steady], logger: Logger(label: "test"), settings: fastRetries())
        try await publisher.start()
        let events = (0..<5).map { sampleEvent("51F6789\($0)") }
        for event in events { try await publisher.publish(event) }
        #expect(await publisher.finish(timeout: 5))
        let ids = events.map(\.id.uuidString)
        #expect(flaky.ids == ids, "in order, each once, after three failures")
        #expect(steady.ids == ids)
        #expect(try outbox.status().allSatisfy { $0.backlog == 0 })
    }

    @Test func aRestartResumesEverySinkWhereItStopped() async throws {
        let path = temporaryFolder().appendingPathComponent("o.sqlite").path
        let event = sampleEvent()
        do {
            // The sink is down for the whole first run: the event stays in the outbox.
            let publisher = EventPublisher(outbox: try Outbox(path: path), sinks: [ScriptedSink("platform", failures: 1000)],
                                           logger: Logger(label: "test"), settings: fastRetries())
            try await publisher.start()
            try await publisher.publish(event)
            #expect(await !publisher.finish(timeout: 0.2))
        }
        let sink = ScriptedSink("platform")
        let publisher = EventPublisher(outbox: try Outbox(path: path), sinks: [sink], logger: Logger(label: "test"), settings: fastRetries())
        try await publisher.start()
        #expect(await publisher.finish(timeout: 5))
        #expect(sink.ids == [event.id.uuidString])
    }

    @Test func aRefusedEventIsDeadLetteredAndTheNextGoes() async throws {
        let outbox = try Outbox(path: temporaryFolder().appendingPathComponent("o.sqlite").path)
        let bad = sampleEvent("30A00000"), good = sampleEvent("29A12345")
        let sink = ScriptedSink("platform", refuse: [bad.id.uuidString])
        let publisher = EventPublisher(outbox: outbox, sinks: [sink], logger: Logger(label: "test"), settings: fastRetries())
        try await publisher.start()
        try await publisher.publish(bad)
        try await publisher.publish(good)
        #expect(await publisher.finish(timeout: 5))
        #expect(sink.ids == [good.id.uuidString])
        let dead = try outbox.deadLetters(sink: "platform")
        #expect(dead.map(\.id) == [bad.id.uuidString] && dead[0].reason.contains("422"))
        #expect(try outbox.status().first?.deadLetters == 1)
    }

    @Test func replaySendsAgainFromATime() async throws {
        let outbox = try Outbox(path: temporaryFolder().appendingPathComponent("o.sqlite").path)
        let sink = ScriptedSink("platform")
        var publisher = EventPublisher(outbox: outbox, sinks: [sink], logger: Logger(label: "test"), settings: fastRetries())
        try await publisher.start()
        try await publisher.publish(sampleEvent("51F67890"))
        let middle = Date()
        try await Task.sleep(for: .milliseconds(20))
        try await publisher.publish(sampleEvent("29A12345"))
        #expect(await publisher.finish(timeout: 5))
        #expect(try outbox.replay(sink: "platform", since: middle) == 1)
        #expect(throws: PlateWatchError.self) { try outbox.replay(sink: "nobody", since: middle) }
        publisher = EventPublisher(outbox: outbox, sinks: [sink], logger: Logger(label: "test"), settings: fastRetries())
        try await publisher.start()
        #expect(await publisher.finish(timeout: 5))
        #expect(sink.ids.count == 3 && sink.ids[2] == sink.ids[1])
    }

    @Test func pruningKeepsWhatASinkHasNotTaken() throws {
        let outbox = try Outbox(path: temporaryFolder().appendingPathComponent("o.sqlite").path)
        _ = try outbox.cursor(for: "slow")
        _ = try outbox.cursor(for: "fast")
        let sequences = try (0..<4).map { try outbox.append(sampleEvent("51F6789\($0)")) }
        try outbox.advance("fast", from: 0, to: sequences[3])
        try outbox.advance("slow", from: 0, to: sequences[1])
        let later = Date().addingTimeInterval(3600)
        #expect(try outbox.prune(retention: 60, sinks: ["slow", "fast"], now: later) == 2)
        #expect(try outbox.events(after: 0).map(\.sequence) == Array(sequences[2...]))
        // Over the cap only what every sink has taken goes, even inside the retention.
        #expect(try outbox.prune(retention: 7 * 86400, sinks: ["slow", "fast"], overCap: true) == 0)
    }

    @Test func jsonlSinkAppendsOneObjectPerLine() throws {
        let path = temporaryFolder().appendingPathComponent("sub/events.jsonl").path
        do {
            let sink = try JSONLSink(path: path)
            try sink.append(try sampleEvent("51F67890").jsonLine())
        }
        let sink = try JSONLSink(path: path)
        try sink.append(try sampleEvent("29A12345").jsonLine())
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
