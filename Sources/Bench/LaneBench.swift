import Foundation
import Logging
import Pipeline
import PlateWatchCore

/// Two cameras of one lane on the same footage must give one event per vehicle, not two.
public struct LaneResult: Encodable, Sendable {
    /// `plate.read` events published with one camera per clip (the accuracy pass) and with two per clip,
    /// each pair in one group; `extra` is how many more the pairs gave.
    public var oneCamera: Int
    public var twoCameras: Int
    public var extra: Int { max(0, twoCameras - oneCamera) }

    enum CodingKeys: String, CodingKey {
        case oneCamera = "one_camera"
        case twoCameras = "two_cameras"
        case extra
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(oneCamera, forKey: .oneCamera)
        try c.encode(twoCameras, forKey: .twoCameras)
        try c.encode(extra, forKey: .extra)
    }
}

enum LaneBench {
    /// Runs every clip as two cameras of one group and counts the `plate.read` events that reach the sinks.
    static func run(_ clips: [FootageSet.Clip], settings: Config, logger: Logger) async throws -> Int {
        var config = settings
        config.cameras = clips.flatMap { clip in
            ["a", "b"].map { CameraConfig(id: "\(clip.id)#\($0)", url: clip.url.path, group: clip.id) }
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("platewatch-lanes-\(UUID().uuidString)")
        config.store = folder.appendingPathComponent("lanes.sqlite").path
        config.sinks = []
        defer { try? FileManager.default.removeItem(at: folder) }
        let reads = Locked(0)
        let observer = RunObserver(frame: { _ in }, published: { event, _ in
            if event.type == .plateRead { reads.withValue { $0 += 1 } }
        })
        let summary = try await PipelineRunner(config: config, logger: logger, observer: observer).run()
        if let failure = summary.failed.first { throw failure }
        return reads.withValue { $0 }
    }
}
