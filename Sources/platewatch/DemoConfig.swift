import Bench
import Foundation
import PlateWatchCore

extension Config {
    /// The embedded defaults `make demo` runs: each bundled clip is a camera of its own lane.
    static func builtInDemo(footage folder: String) throws -> Config {
        let clips = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [])
            .filter { $0.hasSuffix(".mp4") }.sorted()
        guard !clips.isEmpty else {
            throw PlateWatchError(.fileNotFound, subject: folder, message: "no .mp4 clips found",
                                  hint: "run from the repository root, or pass --config FILE")
        }
        let cameras = clips.map { clip in
            CameraConfig(id: String(clip.dropLast(4)), url: "\(folder)/\(clip)", group: String(clip.dropLast(4)), role: .entry)
        }
        var config = Config(site: "demo", cameras: cameras)
        // The footage's crossing (testvideos/site.yaml), as the bench reads it.
        if let provinces = try? FootageSet.cnProvinces(in: URL(fileURLWithPath: folder)) { config.ocr.cnProvinces = provinces }
        config.sinks = [.jsonl(path: "./var/events.jsonl"), .stdout]
        return config
    }
}
