import Delivery
import Desk
import Foundation
import Logging
import PlateWatchCore
import Testing
import TestSupport

/// A central desk fed from JetStream: events the boxes' NATS sinks published (a real `nats-server -js`
/// this test starts) become passages; what the desk acknowledged is not taken again after a restart.
@Suite(.serialized) struct NATSFeedTests {
    @Test func passagesFromEveryBoxArriveThroughJetStreamOnce() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("desk-nats-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let port = ServerProcess.freePort()
        let server = try ServerProcess("/usr/sbin/nats-server", ["-js", "-a", "127.0.0.1", "-p", "\(port)", "-sd", folder.appendingPathComponent("js").path],
                                       ready: nil, hint: "make test installs Debian's nats-server")
        defer { server.kill() }
        var config = NATSSinkConfig(servers: ["nats://127.0.0.1:\(port)"])
        config.stream = "PLATEWATCH_DESK_TEST"

        // Two boxes publish their passages, as their NATS sinks do.
        let plates = ["51F67890", "29C12345", "30A11111"]
        for (box, camera) in [("box-a", "lane1-entry"), ("box-b", "lane2-exit")] {
            let outbox = try Outbox(path: folder.appendingPathComponent("\(box).sqlite").path)
            for plate in plates { try outbox.append(DeskFixture.event(plate, camera: camera)) }
            let sink = try NATSSink(config: config, site: box)
            var delivered = false
            for _ in 0..<50 where !delivered {
                do {
                    for item in try outbox.events(after: 0) { try await sink.deliver(item) }
                    delivered = true
                } catch {
                    try await Task.sleep(for: .milliseconds(100))  // the server is still starting
                }
            }
            #expect(delivered)
            await sink.shutdown()
        }

        let desk = try await DeskFixture()
        defer { desk.remove() }
        var logger = Logger(label: "nats-feed")
        logger.logLevel = .warning
        func feed() -> (DeskFeed, NATSEventSource) {
            let source = NATSEventSource(config: config, durable: "desk-test")
            return (DeskFeed(source: .nats(source), store: desk.store, hub: LiveHub(), logger: logger), source)
        }
        let (first, firstSource) = feed()
        var taken = 0
        for _ in 0..<10 where taken < 6 { taken += try await first.catchUp() }
        firstSource.close()
        #expect(taken == 6)
        let all = try await desk.store.search(PassageQuery())
        #expect(all.total == 6)
        #expect(Set(all.items.map(\.camera)) == ["lane1-entry", "lane2-exit"])

        // The desk restarts: its durable consumer has acknowledged everything, nothing comes twice.
        let (second, secondSource) = feed()
        #expect(try await second.catchUp() == 0)
        secondSource.close()
        #expect(try await desk.store.search(PassageQuery()).total == 6)
    }
}
