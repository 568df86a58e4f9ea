import Delivery
import Foundation
import Logging
import Pipeline
import PlateWatchCore
import Testing
import TestSupport

/// Passages end to end: cameras of one lane, journeys and yard counts, the event schema, determinism.
@Suite(.serialized) struct PassageEndToEndTests {
    let clip = Footage.folder.appendingPathComponent("clip01_day_720p.mp4").path

    func run(_ cameras: [CameraConfig], crop: EventSettings.CropMode = .inline) async throws -> (lines: [String], summary: RunSummary, folder: URL) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pw-passage-\(UUID().uuidString)")
        var config = Config(site: "test", cameras: cameras)
        config.store = folder.appendingPathComponent("o.sqlite").path
        config.sinks = [.jsonl(path: folder.appendingPathComponent("events.jsonl").path)]
        config.events.crop = crop
        config.events.cropDirectory = folder.appendingPathComponent("crops").path
        let summary = try await PipelineRunner(config: config, logger: Logger(label: "passage")).run()
        #expect(summary.failed.isEmpty, "\(summary.failed)")
        let text = try String(contentsOfFile: folder.appendingPathComponent("events.jsonl").path, encoding: .utf8)
        return (text.split(separator: "\n").map(String.init), summary, folder)
    }

    func plateEvents(_ lines: [String]) throws -> [PlateEvent] {
        try lines.filter { !$0.contains("\"yard.occupancy\"") }.map { try PlateEvent.makeDecoder().decode(PlateEvent.self, from: Data($0.utf8)) }
    }

    /// Runs tools/schema/validate.py (python3-jsonschema, installed by `make test`) over a JSONL file.
    func validate(_ jsonl: URL) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [Footage.root.appendingPathComponent("tools/schema/validate.py").path,
                             Footage.root.appendingPathComponent("docs/events.schema.json").path, jsonl.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }

    @Test func twoCamerasOfOneLaneGiveOneEventPerVehicle() async throws {
        let single = try plateEvents(try await run([CameraConfig(id: "a", url: clip, group: "lane1")]).lines)
        let both = try plateEvents(try await run([CameraConfig(id: "a", url: clip, group: "lane1"),
                                                  CameraConfig(id: "b", url: clip, group: "lane1")]).lines)
        #expect(single.count >= 6)
        #expect(both.filter { $0.type == .plateRead }.count == single.filter { $0.type == .plateRead }.count, "\(both.map(\.plate))")
        #expect(Set(both.map(\.plate)) == Set(single.map(\.plate)))
        // Two lanes are two lanes.
        let apart = try plateEvents(try await run([CameraConfig(id: "a", url: clip, group: "lane1"),
                                                   CameraConfig(id: "b", url: clip, group: "lane2")]).lines)
        #expect(apart.filter { $0.type == .plateRead }.count == 2 * single.filter { $0.type == .plateRead }.count)
    }

    @Test func eventsMatchTheSchemaAndYardsAreCounted() async throws {
        // Barrier and yard watch different traffic here: every truck into yard A is new to the crossing.
        let barrier = CameraConfig(id: "barrier-in", url: Footage.folder.appendingPathComponent("clip02_day_1080p.mp4").path,
                                   group: "barrier", role: .entry)
        var yardIn = CameraConfig(id: "yard-a-in", url: clip, group: "yard-a", role: .yardIn)
        yardIn.yard = "A"
        let (lines, summary, folder) = try await run([barrier, yardIn])
        let events = try plateEvents(lines)
        let intoYard = events.filter { $0.camera == "yard-a-in" && $0.type == .plateRead }
        #expect(intoYard.count >= 6)
        #expect(summary.yardEvents == intoYard.count, "each vehicle into yard A moves its count once")
        #expect(intoYard.allSatisfy { $0.journey?.flags == ["no-entry"] }, "seen first at a yard: flagged, still a journey")
        #expect(lines.filter { $0.contains("\"yard.occupancy\"") }.count == summary.yardEvents)
        for event in events {
            let jpeg = try #require(event.crop?.jpegBase64.flatMap { Data(base64Encoded: $0) }, "every plate event carries its crop")
            #expect(jpeg.count <= 30_000 && jpeg.starts(with: [0xFF, 0xD8]))
            #expect(event.journey != nil || event.type == .plateUpdated)
            #expect(event.yard == (event.role == .yardIn ? "A" : nil))
        }
        let result = try validate(folder.appendingPathComponent("events.jsonl"))
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("\(lines.count) events checked, 0 invalid"), "\(result.output)")
    }

    @Test func theSchemaRejectsWhatTheContractForbids() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pw-schema-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let seen = Date(timeIntervalSince1970: 1_800_000_000)
        let good = try PlateEvent(site: "s", camera: "c", group: "g", role: .entry, plate: "51F67890", display: "51F-678.90",
                                  format: .vnOneLine, confidence: 0.9, firstSeen: seen, lastSeen: seen, mediaTime: nil,
                                  box: PixelRect(x: 1, y: 2, width: 3, height: 4), votes: 3, reads: 4, candidates: []).jsonLine()
        let file = folder.appendingPathComponent("events.jsonl")
        func check(_ line: String) throws -> Int32 {
            try (line + "\n").write(to: file, atomically: true, encoding: .utf8)
            return try validate(file).status
        }
        #expect(try check(good) == 0)
        #expect(try check(good.replacingOccurrences(of: "\"plate\":\"51F67890\",", with: "")) == 1, "plate is required")
        #expect(try check(good.replacingOccurrences(of: "plate.read", with: "plate.guessed")) == 1, "unknown type")
        #expect(try check(good.replacingOccurrences(of: "\"confidence\":0.9", with: "\"confidence\":1.5")) == 1, "confidence is 0…1")
        #expect(try check(good.replacingOccurrences(of: "\"schema_version\":2", with: "\"schema_version\":1")) == 1, "versioned")
    }

    @Test func theSameFootageGivesTheSameEvents() async throws {
        func signature() async throws -> [String] {
            try plateEvents(try await run([CameraConfig(id: "a", url: clip)]).lines).map {
                "\($0.type.rawValue) \($0.plate) \($0.display) \($0.confidence) \($0.mediaTime.map { "\($0.first)-\($0.last)" } ?? "") \($0.box) \($0.votes)/\($0.reads) \($0.candidates.map(\.plate)) \($0.crop?.jpegBase64?.count ?? 0)"
            }
        }
        let first = try await signature()
        #expect(first.count >= 6)
        #expect(try await signature() == first)
    }

    @Test func cropsCanBeFiles() async throws {
        let (lines, _, folder) = try await run([CameraConfig(id: "a", url: clip)], crop: .file)
        for event in try plateEvents(lines) {
            let path = try #require(event.crop?.path)
            #expect(path.hasPrefix(folder.path))
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)).starts(with: [0xFF, 0xD8]))
            #expect(event.crop?.jpegBase64 == nil)
        }
    }
}
