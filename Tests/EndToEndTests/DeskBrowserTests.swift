import Foundation
import PlateWatchCore
import Testing
import TestSupport

/// The desk in a real browser (headless Chromium driven by Selenium, tools/desk/browser_check.py) against
/// `platewatch desk`, with plates put in by `platewatch run` on the bundled footage: sign in, see plates
/// arrive live, correct a read and find it in the audit log, watch a plate and get the alert when it passes.
/// Screenshots go to var/test-output/desk/.
@Suite(.serialized) struct DeskBrowserTests {
    static let output = Footage.root.appendingPathComponent("var/test-output/desk")
    static let password = "desk-admin-password-1"
    static let clip = Footage.folder.appendingPathComponent("clip01_day_720p.mp4").path

    /// A site: an outbox that `run` writes and the desk reads, and the desk's own store.
    struct Site {
        let folder: URL
        var outbox: String { folder.appendingPathComponent("outbox.sqlite").path }

        init() throws {
            folder = FileManager.default.temporaryDirectory.appendingPathComponent("desk-e2e-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        }

        func config(camera: String, role: String, desk: Bool) throws -> String {
            let path = folder.appendingPathComponent("\(desk ? "desk" : camera).yaml").path
            try """
            site: e2e
            store: \(outbox)
            cameras:
              - {id: \(camera), url: \(DeskBrowserTests.clip), group: lane1, role: \(role)}
            sinks:
              - {type: jsonl, path: \(folder.appendingPathComponent("\(camera).jsonl").path)}
            management: {listen: "off"}
            \(desk ? "desk: {listen: \"127.0.0.1:0\", store: \(folder.appendingPathComponent("desk.sqlite").path)}" : "")
            """.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }

        /// `platewatch run` over the clip as one camera; returns the plates it published.
        func run(camera: String, role: String) throws -> [String] {
            let result = try CommandLineTests.run(["run", "--config", try config(camera: camera, role: role, desk: false)])
            #expect(result.status == 0, "\(result.stderr)")
            let lines = try String(contentsOfFile: folder.appendingPathComponent("\(camera).jsonl").path, encoding: .utf8).split(separator: "\n")
            return try lines.filter { $0.contains("\"plate.read\"") }.map { try PlateEvent.makeDecoder().decode(PlateEvent.self, from: Data($0.utf8)).plate }
        }
    }

    /// One browser scenario; `whenReady` runs once it prints `ready` (its page is open and live).
    func browse(_ url: String, _ scenario: [String], timeout: Double = 120, whenReady: () throws -> Void = {}) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [Footage.root.appendingPathComponent("tools/desk/browser_check.py").path, "--url", url, "--user", "admin",
                             "--password", Self.password, "--out", Self.output.path] + scenario
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        final class Lines: @unchecked Sendable {
            let lock = NSLock()
            var text = ""
            var all: String { lock.withLock { text } }
        }
        let lines = Lines()
        let reader = Thread {
            while case let data = out.fileHandleForReading.availableData, !data.isEmpty {
                lines.lock.withLock { lines.text += String(decoding: data, as: UTF8.self) }
            }
        }
        reader.start()
        let ready = ServerProcess.eventually(60) { lines.all.split(separator: "\n").contains("ready") || !process.isRunning }
        if ready && process.isRunning { try whenReady() }
        let ended = ServerProcess.eventually(timeout) { !process.isRunning }
        if !ended { process.terminate() }
        process.waitUntilExit()
        let errors = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus == 0, "browser \(scenario[0]): \(errors)\n\(lines.all)")
        return lines.all
    }

    @Test func anOfficerWatchesPlatesArriveCorrectsOneAndIsAlertedToAWantedTruck() throws {
        try FileManager.default.createDirectory(at: Self.output, withIntermediateDirectories: true)
        let site = try Site()
        defer { try? FileManager.default.removeItem(at: site.folder) }
        let desk = try ServerProcess(CommandLineTests.binary.path, ["desk", "--config", try site.config(camera: "desk", role: "entry", desk: true)],
                                     ready: "desk ready", timeout: 30, environment: ["PLATEWATCH_DESK_ADMIN_PASSWORD": Self.password])
        defer { desk.kill() }
        let url = "http://127.0.0.1:\(desk.readyPort)"

        _ = try browse(url, ["login"])

        // Live: the page is open before the pipeline runs; its plates must appear without a reload.
        var plates: [String] = []
        let seen = try browse(url, ["live", "--count", "3", "--timeout", "90"]) {
            plates = try site.run(camera: "lane1-entry", role: "entry")
        }
        #expect(plates.count >= 3)
        #expect(seen.contains("seen"), "\(seen)")

        // Correct a read; the correction is in the audit log.
        let plate = try #require(plates.first)
        let corrected = String(plate.dropLast()) + (plate.last == "9" ? "8" : "9")
        _ = try browse(url, ["correct", "--plate", plate, "--new-plate", corrected, "--timeout", "60"])

        // Watch a plate of the clip; when the same truck passes the exit camera, the banner comes up.
        let wanted = try #require(plates.dropFirst().first)
        _ = try browse(url, ["watch", "--plate", wanted, "--timeout", "90"]) {
            _ = try site.run(camera: "lane1-exit", role: "exit")
        }

        // Every page, for the README.
        _ = try browse(url, ["screens", "--plate", wanted, "--timeout", "90"])
        for shot in ["login.png", "live.png", "event.png", "audit.png", "alert.png", "vehicle.png", "cameras.png", "yards.png", "account.png"] {
            #expect(FileManager.default.fileExists(atPath: Self.output.appendingPathComponent(shot).path), "no screenshot \(shot)")
        }
    }
}
