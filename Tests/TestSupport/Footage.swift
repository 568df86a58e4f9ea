import Bench
import Foundation
import Ingest
import PlateWatchCore

/// The repository's bundled footage and the shared real-photo sets, located from this file's path.
public enum Footage {
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    public static var folder: URL { root.appendingPathComponent("testvideos") }

    public static func clips() throws -> [(video: URL, truth: GroundTruth)] {
        try FootageSet(folder: folder).clips.map { ($0.url, $0.truth) }
    }

    /// Frames of the bundled clips mid-way through a vehicle's readable frames, with its ground truth.
    public static func readableFrames(count: Int) throws -> [(frame: LumaImage, vehicle: GroundTruth.Vehicle, index: Int)] {
        var out: [(LumaImage, GroundTruth.Vehicle, Int)] = []
        for (video, truth) in try clips() {
            let wanted = Dictionary(truth.vehicles.map { (($0.firstFrame + $0.lastFrame) / 2, $0) }, uniquingKeysWith: { a, _ in a })
            let reader = try MediaReader(url: video.path, camera: truth.camera)
            while out.count < count, let frame = try reader.next() {
                if let vehicle = wanted[frame.index] { out.append((frame.luma, vehicle, frame.index)) }
            }
            if out.count >= count { break }
        }
        return out
    }

    public static func frames(count: Int) throws -> [LumaImage] { try readableFrames(count: count).map(\.frame) }

    /// `../shared/data/real`, beside the repository, when present.
    public static var realData: URL? {
        let url = root.deletingLastPathComponent().appendingPathComponent("shared/data/real")
        return FileManager.default.fileExists(atPath: url.path) ? url : nil
    }

    /// Readable rows of a real set (unreadable plates, with no text, are left out): the part the plate
    /// model was not trained on (models/train/split.csv) for the sets it was fine-tuned on.
    public static func realCrops(_ set: String) throws -> [(file: URL, plate: String, lines: Int)] {
        guard let base = realData?.appendingPathComponent(set) else { return [] }
        let split = try TrainingSplit(file: root.appendingPathComponent("models/train/split.csv"))
        return split.evaluationPart(of: try StillSet(folder: base), folder: base).set.items
            .filter { !$0.plate.isEmpty }.map { ($0.file, $0.plate, $0.lines) }
    }
}
