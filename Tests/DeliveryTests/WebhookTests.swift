import Delivery
import Foundation
import Logging
import PlateWatchCore
import Testing
import TestSupport

/// The signed webhook against a real HTTP receiver (`tools/webhook/receiver.py`) on 127.0.0.1.
@Suite(.serialized) struct WebhookTests {
    let secret = "a-long-shared-secret-for-tests-0123456789"

    @Test func theSignatureRefusesAWrongSecretAndAReplay() {
        let body = Data(#"{"id":"1"}"#.utf8)
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let header = WebhookSignature.sign(body: body, secret: Data(secret.utf8), time: now)
        #expect(header.hasPrefix("t=1800000000,v1=") && header.count == "t=1800000000,v1=".count + 64)
        #expect(WebhookSignature.verify(header: header, body: body, secret: Data(secret.utf8), now: now) == .valid)
        #expect(WebhookSignature.verify(header: header, body: body, secret: Data("another-secret-entirely-0000".utf8), now: now) == .wrongSignature)
        #expect(WebhookSignature.verify(header: header, body: Data(#"{"id":"2"}"#.utf8), secret: Data(secret.utf8), now: now) == .wrongSignature)
        // The same request captured and sent again ten minutes later.
        #expect(WebhookSignature.verify(header: header, body: body, secret: Data(secret.utf8), now: now.addingTimeInterval(600)) == .stale)
        #expect(WebhookSignature.verify(header: "t=abc", body: body, secret: Data(secret.utf8), now: now) == .malformed)
    }

    func receiver(port: Int, folder: URL) throws -> ServerProcess {
        try ServerProcess("/usr/bin/python3", [
            TestSupport.Footage.root.appendingPathComponent("tools/webhook/receiver.py").path, "--port", "\(port)",
            "--secret-file", folder.appendingPathComponent("secret").path, "--out", folder.appendingPathComponent("received.txt").path,
            "--status-file", folder.appendingPathComponent("status").path,
        ], ready: "ready ")
    }

    @Test func everyEventArrivesOnceThroughAnOutageAndErrors() async throws {
        let folder = temporaryFolder()
        try secret.write(to: folder.appendingPathComponent("secret"), atomically: true, encoding: .utf8)
        let port = ServerProcess.freePort()
        var config = WebhookSinkConfig(url: "http://127.0.0.1:\(port)/api/plate-events")
        config.secretFile = folder.appendingPathComponent("secret").path
        config.timeout = 2
        let outbox = try Outbox(path: folder.appendingPathComponent("o.sqlite").path)
        let publisher = EventPublisher(outbox: outbox, sinks: [try WebhookSink(config: config)], logger: Logger(label: "webhook"),
                                       settings: fastRetries())
        try await publisher.start()
        let events = (0..<40).map { sampleEvent(String(format: "51F%05d", $0), camera: "cam\($0 % 3)") }
        // First half: nobody listens.
        for event in events.prefix(20) { try await publisher.publish(event) }
        try await Task.sleep(for: .milliseconds(500))
        // Then the platform answers 500 for a while, then 200.
        try "500".write(to: folder.appendingPathComponent("status"), atomically: true, encoding: .utf8)
        let server = try receiver(port: port, folder: folder)
        defer { server.kill() }
        for event in events.suffix(20) { try await publisher.publish(event) }
        try await Task.sleep(for: .milliseconds(500))
        try "200".write(to: folder.appendingPathComponent("status"), atomically: true, encoding: .utf8)
        #expect(await publisher.finish(timeout: 20))
        let lines = try String(contentsOf: folder.appendingPathComponent("received.txt"), encoding: .utf8).split(separator: "\n")
        let accepted = lines.filter { $0.split(separator: " ")[1] == "new" }.map { String($0.split(separator: " ")[0]) }
        #expect(accepted == events.map(\.id.uuidString), "every event, once, in order")
        #expect(try outbox.status().first?.backlog == 0)
    }

    @Test func aClientErrorParksTheEventAndTheRestGoOn() async throws {
        let folder = temporaryFolder()
        try secret.write(to: folder.appendingPathComponent("secret"), atomically: true, encoding: .utf8)
        try "422".write(to: folder.appendingPathComponent("status"), atomically: true, encoding: .utf8)
        let server = try receiver(port: 0, folder: folder)
        defer { server.kill() }
        var config = WebhookSinkConfig(url: "http://127.0.0.1:\(server.readyPort)/api/plate-events")
        config.secretEnv = "PW_TEST_SECRET"
        let outbox = try Outbox(path: folder.appendingPathComponent("o.sqlite").path)
        let sink = try WebhookSink(config: config, environment: ["PW_TEST_SECRET": secret])
        let publisher = EventPublisher(outbox: outbox, sinks: [sink], logger: Logger(label: "webhook"), settings: fastRetries())
        try await publisher.start()
        let refused = sampleEvent("30A00000")
        try await publisher.publish(refused)
        try await Task.sleep(for: .milliseconds(300))
        try "200".write(to: folder.appendingPathComponent("status"), atomically: true, encoding: .utf8)
        let next = sampleEvent("29A12345")
        try await publisher.publish(next)
        #expect(await publisher.finish(timeout: 10))
        #expect(try outbox.deadLetters().map(\.id) == [refused.id.uuidString])
        #expect(try outbox.deadLetters().first?.reason.hasPrefix("HTTP 422") == true)
        let lines = try String(contentsOf: folder.appendingPathComponent("received.txt"), encoding: .utf8)
        #expect(lines.contains(next.id.uuidString) && !lines.contains(refused.id.uuidString))
    }

    /// With the link up: how long from `publish` (the outbox commit) to the platform's 200.
    @Test func deliveryLatencyWithTheLinkUp() async throws {
        let folder = temporaryFolder()
        try secret.write(to: folder.appendingPathComponent("secret"), atomically: true, encoding: .utf8)
        let server = try receiver(port: 0, folder: folder)
        defer { server.kill() }
        var config = WebhookSinkConfig(url: "http://127.0.0.1:\(server.readyPort)/api/plate-events")
        config.secretFile = folder.appendingPathComponent("secret").path
        let publisher = EventPublisher(outbox: try Outbox(path: folder.appendingPathComponent("o.sqlite").path),
                                       sinks: [try WebhookSink(config: config)], logger: Logger(label: "webhook"), settings: fastRetries())
        try await publisher.start()
        var sent: [String: Double] = [:]
        for i in 0..<200 {
            let event = sampleEvent(String(format: "51F%05d", i))
            sent[event.id.uuidString] = Date().timeIntervalSince1970
            try await publisher.publish(event)
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(await publisher.finish(timeout: 20))
        let arrivals = try String(contentsOf: folder.appendingPathComponent("received.txt"), encoding: .utf8).split(separator: "\n").map {
            $0.split(separator: " ")
        }
        let latencies = arrivals.compactMap { fields in sent[String(fields[0])].map { (Double(fields[3]) ?? 0) - $0 } }.sorted()
        #expect(latencies.count == 200)
        let p50 = latencies[latencies.count / 2] * 1000, p95 = latencies[latencies.count * 95 / 100] * 1000
        print(String(format: "webhook latency, publish to 200 on 127.0.0.1: p50 %.1f ms, p95 %.1f ms, max %.1f ms over %d events",
                     p50, p95, (latencies.last ?? 0) * 1000, latencies.count))
    }

    @Test func aMissingOrShortSecretIsRefusedAtStart() {
        var config = WebhookSinkConfig(url: "http://127.0.0.1:1/x")
        config.secretEnv = "PW_UNSET_SECRET"
        #expect(throws: PlateWatchError.self) { try WebhookSink(config: config, environment: [:]) }
        #expect(throws: PlateWatchError.self) { try WebhookSink(config: config, environment: ["PW_UNSET_SECRET": "short"]) }
    }
}

extension WebhookTests {
    /// The platform's certificate signed by a private CA: trusted with `ca_file`, refused without it.
    @Test func httpsWithThePlatformsOwnCA() async throws {
        let folder = temporaryFolder()
        func openssl(_ arguments: [String]) throws {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
            process.arguments = arguments
            process.currentDirectoryURL = folder
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            try #require(process.terminationStatus == 0, "openssl \(arguments.first ?? "")")
        }
        try openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=PlateWatch test CA"])
        try openssl(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1"])
        try "subjectAltName=IP:127.0.0.1\n".write(to: folder.appendingPathComponent("san.ext"), atomically: true, encoding: .utf8)
        try openssl(["x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.pem",
                     "-days", "2", "-extfile", "san.ext"])
        try secret.write(to: folder.appendingPathComponent("secret"), atomically: true, encoding: .utf8)
        let server = try ServerProcess("/usr/bin/python3", [
            TestSupport.Footage.root.appendingPathComponent("tools/webhook/receiver.py").path, "--port", "0",
            "--secret-file", folder.appendingPathComponent("secret").path, "--out", folder.appendingPathComponent("received.txt").path,
            "--cert", folder.appendingPathComponent("server.pem").path, "--key", folder.appendingPathComponent("server.key").path,
        ], ready: "ready ")
        defer { server.kill() }

        func deliver(caFile: String?) async throws -> Bool {
            var config = WebhookSinkConfig(url: "https://127.0.0.1:\(server.readyPort)/api/plate-events")
            config.secretFile = folder.appendingPathComponent("secret").path
            config.caFile = caFile
            config.timeout = 3
            let publisher = EventPublisher(outbox: try Outbox(path: folder.appendingPathComponent("\(UUID()).sqlite").path),
                                           sinks: [try WebhookSink(config: config)], logger: Logger(label: "tls"), settings: fastRetries())
            try await publisher.start()
            try await publisher.publish(sampleEvent())
            return await publisher.finish(timeout: 3)
        }
        #expect(try await deliver(caFile: folder.appendingPathComponent("ca.pem").path), "trusted through ca_file")
        #expect(try await !deliver(caFile: nil), "an unknown CA is not trusted")
        #expect(throws: PlateWatchError.self) { try WebhookSink(config: { var c = WebhookSinkConfig(url: "https://x/y"); c.secretEnv = "S"; c.caFile = "/nonexistent.pem"; return c }(), environment: ["S": secret]) }
    }
}
