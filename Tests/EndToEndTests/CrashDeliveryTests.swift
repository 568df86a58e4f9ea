import Delivery
import Foundation
import PlateWatchCore
import Testing
import TestSupport

/// `platewatch run` killed with SIGKILL at random moments while it reads clips and delivers to a webhook,
/// restarted each time: the platform ends with every event of the footage, none missing, and any repeat
/// carries an id it has already seen.
@Suite(.serialized) struct CrashDeliveryTests {
    let secret = "crash-test-shared-secret-0123456789"

    func config(folder: URL, sinks: String) throws -> String {
        let path = folder.appendingPathComponent("config.yaml").path
        try """
            site: crash-test
            store: \(folder.appendingPathComponent("outbox.sqlite").path)
            outbox: {retry_initial: 0.05, retry_max: 0.5, flush_timeout: 20}
            cameras:
              - {id: lane1, url: \(Footage.folder.appendingPathComponent("clip01_day_720p.mp4").path)}
              - {id: lane2, url: \(Footage.folder.appendingPathComponent("clip04_night_720p.mp4").path)}
            sinks:
            \(sinks)
            """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func launch(_ config: String) throws -> Process { try CommandLineTests.launch(["run", "--config", config]) }

    @Test func twentyKillsLoseNoEvent() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pw-crash-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("reference"), withIntermediateDirectories: true)
        // What the footage gives, from one undisturbed run.
        let reference = try config(folder: folder.appendingPathComponent("reference"),
                                   sinks: "  - {type: jsonl, path: \(folder.appendingPathComponent("reference/events.jsonl").path)}")
        let started = Date()
        let clean = try launch(reference)
        clean.waitUntilExit()
        let runTime = Date().timeIntervalSince(started)
        #expect(clean.terminationStatus == 0)
        let expected = try Set(String(contentsOf: folder.appendingPathComponent("reference/events.jsonl"), encoding: .utf8)
            .split(separator: "\n").map { try PlateEvent.makeDecoder().decode(PlateEvent.self, from: Data($0.utf8)).id.uuidString })
        #expect(expected.count >= 10)

        try secret.write(to: folder.appendingPathComponent("secret"), atomically: true, encoding: .utf8)
        let receiver = try ServerProcess("/usr/bin/python3", [
            Footage.root.appendingPathComponent("tools/webhook/receiver.py").path, "--port", "0",
            "--secret-file", folder.appendingPathComponent("secret").path, "--out", folder.appendingPathComponent("received.txt").path,
        ], ready: "ready ")
        defer { receiver.kill() }
        let crashing = try config(folder: folder, sinks: """
              - type: webhook
                url: http://127.0.0.1:\(receiver.readyPort)/api/plate-events
                secret_file: \(folder.appendingPathComponent("secret").path)
            """)
        var kills: [String] = []
        // Twenty kills mid-run; a run that ends before its kill time does not count (bounded at 60 runs).
        for _ in 1...60 where kills.count < 20 {
            let run = try launch(crashing)
            // Anywhere in a run: loading, reading, publishing, delivering.
            let after = Double.random(in: 0.1...max(0.2, runTime * 0.8))
            Thread.sleep(forTimeInterval: after)
            if run.isRunning {
                kill(run.processIdentifier, SIGKILL)
                kills.append(String(format: "%.1f", after))
            }
            run.waitUntilExit()
        }
        print("crash test: SIGKILL after \(kills.joined(separator: ", ")) s")
        #expect(kills.count == 20, "killed mid-run 20 times")
        let last = try launch(crashing)
        last.waitUntilExit()
        #expect(last.terminationStatus == 0)

        let lines = try String(contentsOf: folder.appendingPathComponent("received.txt"), encoding: .utf8).split(separator: "\n")
        let new = lines.filter { $0.split(separator: " ")[1] == "new" }.map { String($0.split(separator: " ")[0]) }
        let repeats = lines.filter { $0.split(separator: " ")[1] == "repeat" }.count
        print("crash test: \(new.count) events received, \(repeats) repeats (dropped by id), \(expected.count) expected")
        #expect(Set(new) == expected, "missing: \(expected.subtracting(new).count), unexpected: \(Set(new).subtracting(expected).count)")
        #expect(new.count == Set(new).count, "each id accepted once")
    }
}

/// `platewatch outbox status` and `replay` on a real store.
@Suite struct OutboxCommandTests {
    @Test func statusShowsTheBacklogAndReplayRewinds() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pw-outbox-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let store = folder.appendingPathComponent("o.sqlite").path
        do {
            let outbox = try Outbox(path: store)
            _ = try outbox.cursor(for: "webhook:http://platform/api")
            for plate in ["51F67890", "29A12345"] {
                try outbox.append(PlateEvent(site: "s", camera: "c", group: "g", role: .entry, plate: plate, display: plate,
                                             format: .vnOneLine, confidence: 0.9, firstSeen: Date(), lastSeen: Date(), mediaTime: nil,
                                             box: PixelRect(x: 0, y: 0, width: 1, height: 1), votes: 3, reads: 3, candidates: []))
            }
        }
        let status = try CommandLineTests.run(["outbox", "status", "--store", store])
        #expect(status.status == 0)
        #expect(status.stdout.contains("webhook:http://platform/api: backlog 2"), "\(status.stdout)")
        let replay = try CommandLineTests.run(["outbox", "replay", "--store", store, "--sink", "webhook:http://platform/api", "--since", "1h"])
        #expect(replay.status == 0 && replay.stdout.contains("2 event(s)"), "\(replay.stdout)\(replay.stderr)")
        let badTime = try CommandLineTests.run(["outbox", "replay", "--store", store, "--sink", "x", "--since", "yesterday"])
        #expect(badTime.status == 2 && badTime.stderr.contains("not a time"))
        let noStore = try CommandLineTests.run(["outbox", "status", "--store", folder.appendingPathComponent("none.sqlite").path])
        #expect(noStore.status == 2 && noStore.stderr.contains("no event store here"))
    }
}
