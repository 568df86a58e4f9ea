import Delivery
import Foundation
import Logging
import PlateWatchCore
import Testing
import TestSupport

/// The JetStream sink against a real 3-node `nats-server -js` cluster on 127.0.0.1, one node killed mid-run.
@Suite(.serialized) struct NATSClusterTests {
    /// Starts three clustered JetStream servers; returns them and their client URLs. Ports are the kernel's
    /// free picks, which another process can take before a node binds them (CI saw a node missing, and a
    /// 3-replica stream cannot be placed on two): the cluster is started again until all three listen.
    func cluster(in folder: URL) throws -> (servers: [ServerProcess], urls: [String]) {
        for attempt in 1...3 {
            let clients = (0..<3).map { _ in ServerProcess.freePort() }, routes = (0..<3).map { _ in ServerProcess.freePort() }
            var servers: [ServerProcess] = []
            for i in 0..<3 {
                let config = folder.appendingPathComponent("n\(i).conf")
                let others = (0..<3).filter { $0 != i }.map { "\"nats://127.0.0.1:\(routes[$0])\"" }.joined(separator: ", ")
                try """
                    server_name: n\(i)
                    listen: 127.0.0.1:\(clients[i])
                    jetstream { store_dir: "\(folder.appendingPathComponent("store\(attempt)-\(i)").path)" }
                    cluster { name: platewatch-test, listen: 127.0.0.1:\(routes[i]), routes: [\(others)] }
                    """.write(to: config, atomically: true, encoding: .utf8)
                servers.append(try ServerProcess("/usr/sbin/nats-server", ["-c", config.path], ready: nil,
                                                 hint: "make test installs Debian's nats-server"))
            }
            if ServerProcess.eventually(10, { servers.allSatisfy(\.process.isRunning) && clients.allSatisfy(ServerProcess.accepts(port:)) }) {
                return (servers, clients.map { "nats://127.0.0.1:\($0)" })
            }
            servers.forEach { $0.kill() }
        }
        throw PlateWatchError(.internalFailure, subject: "nats-server", message: "a 3-node cluster did not start in three tries")
    }

    @Test func everyEventIsInTheStreamOnceWithANodeKilledMidRun() async throws {
        let folder = temporaryFolder()
        let (servers, urls) = try cluster(in: folder)
        defer { servers.forEach { $0.kill() } }
        var config = NATSSinkConfig(servers: urls)
        config.stream = "PLATEWATCH_TEST"
        config.replicas = 3
        let sink = try NATSSink(config: config, site: "lao-cai")
        let outbox = try Outbox(path: folder.appendingPathComponent("o.sqlite").path)
        var settings = DeliverySettings()
        settings.retryInitial = 0.2
        settings.retryMax = 1
        let publisher = EventPublisher(outbox: outbox, sinks: [sink], logger: Logger(label: "nats"), settings: settings)
        try await publisher.start()
        let events = (0..<60).map { sampleEvent(String(format: "51F%05d", $0), camera: "barrier.\($0 % 2)") }
        for (i, event) in events.enumerated() {
            if i == 30 { servers[1].kill() }
            try await publisher.publish(event)
            try await Task.sleep(for: .milliseconds(20))
        }
        // The cluster elects its JetStream leaders after start: the first publishes wait and are retried.
        #expect(await publisher.finish(timeout: 60))
        #expect(try sink.messageCount() == 60)

        // Everything sent again (a crash between publish and cursor): the stream drops the repeats by id.
        try outbox.replay(sink: sink.name, since: .distantPast)
        let again = EventPublisher(outbox: outbox, sinks: [try NATSSink(config: config, site: "lao-cai")], logger: Logger(label: "nats"),
                                   settings: settings)
        try await again.start()
        #expect(await again.finish(timeout: 30))
        #expect(try sink.messageCount() == 60)
    }
}
