import Delivery
import Foundation
import Logging
import Pipeline
import PlateWatchCore
import Testing
import TestSupport

/// The real pipeline over the bundled clips: FFmpeg decode, locator, Tesseract, tracker, SQLite outbox, JSONL sink.
@Suite(.serialized) struct PipelineEndToEndTests {
    struct Score {
        var vehicles = 0, found = 0, events = 0, correct = 0
        var missed: [String] = []
    }

    /// A vehicle counts as found when an event of its camera carries its exact plate within its time in view.
    static func score(events: [PlateEvent], clips: [(video: URL, truth: GroundTruth)]) -> Score {
        var score = Score()
        for (video, truth) in clips {
            let camera = video.deletingPathExtension().lastPathComponent
            let mine = events.filter { $0.camera == camera }
            score.events += mine.count
            var used = Set<UUID>()
            for vehicle in truth.vehicles {
                score.vehicles += 1
                let from = Double(vehicle.first_frame) / truth.fps - 1, to = Double(vehicle.last_frame) / truth.fps + 1
                if let hit = mine.first(where: { e in
                    !used.contains(e.id) && e.plate == vehicle.plate && (e.mediaTime.map { $0.first <= to && $0.last >= from } ?? false)
                }) {
                    used.insert(hit.id)
                    score.found += 1
                } else {
                    score.missed.append("\(camera) \(vehicle.display)")
                }
            }
            score.correct += used.count
        }
        return score
    }

    @Test func bundledClipsGiveOneExactEventPerVehicle() async throws {
        let clips = try Footage.clips()
        try #require(clips.count >= 8, "testvideos/ must hold the bundled clips")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pw-e2e-\(UUID().uuidString)")
        // Clips share camera names in their ground truth; the file name is the camera id here.
        var config = Config(site: "test", cameras: clips.map {
            CameraConfig(id: $0.video.deletingPathExtension().lastPathComponent, url: $0.video.path)
        })
        config.store = folder.appendingPathComponent("platewatch.sqlite").path
        config.sinks = [.jsonl(path: folder.appendingPathComponent("events.jsonl").path)]

        let summary = try await PipelineRunner(config: config, logger: Logger(label: "e2e")).run()
        #expect(summary.failed.isEmpty, "\(summary.failed)")

        let lines = try String(contentsOfFile: folder.appendingPathComponent("events.jsonl").path, encoding: .utf8)
            .split(separator: "\n")
        let events = try lines.map { try PlateEvent.makeDecoder().decode(PlateEvent.self, from: Data($0.utf8)) }
        #expect(events.count == summary.events)
        #expect(try Outbox(path: config.store).pending().isEmpty, "every event delivered")
        #expect(try Outbox(path: config.store).count() == events.count)

        let score = Self.score(events: events, clips: clips)
        let recall = Double(score.found) / Double(score.vehicles)
        let precision = Double(score.correct) / Double(max(1, score.events))
        print("e2e: \(score.found)/\(score.vehicles) vehicles exact (recall \(recall)), \(score.correct)/\(score.events) events right (precision \(precision)); missed: \(score.missed)")
        #expect(score.vehicles >= 50)
        #expect(recall >= 0.8, "vehicle recall \(recall); missed \(score.missed)")
        #expect(precision >= 0.8, "event precision \(precision)")
        for event in events {
            #expect(event.site == "test" && event.schemaVersion == 1 && event.type == .plateRead)
            #expect(event.firstSeen <= event.lastSeen)
            #expect(event.mediaTime != nil, "file sources carry media time")
        }
    }
}
