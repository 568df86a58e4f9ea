import Foundation
import Ingest
import PlateWatchCore

/// One clip's ground truth, as `tools/footage/generate.py` writes it.
public struct GroundTruth: Codable, Sendable {
    public struct Vehicle: Codable, Sendable {
        public var plate: String
        public var display: String
        public var format: String
        public var colour: String?
        public var first_frame: Int
        public var last_frame: Int
        public var boxes: [String: [Int]]

        public func box(at frame: Int) -> PixelRect? {
            boxes[String(frame)].map { PixelRect(x: $0[0], y: $0[1], width: $0[2], height: $0[3]) }
        }
    }
    public var video: String
    public var fps: Double
    public var width: Int
    public var height: Int
    public var camera: String
    public var night: Bool?
    public var vehicles: [Vehicle]
}

/// The repository's bundled footage and the shared real-photo sets, located from this file's path.
public enum Footage {
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    public static var folder: URL { root.appendingPathComponent("testvideos") }

    public static func clips() throws -> [(video: URL, truth: GroundTruth)] {
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".json") }.sorted()
        return try names.map { name in
            let truth = try JSONDecoder().decode(GroundTruth.self, from: Data(contentsOf: folder.appendingPathComponent(name)))
            return (folder.appendingPathComponent(truth.video), truth)
        }
    }

    /// Frames of the first clip where a plate is readable, with that plate's ground truth.
    public static func readableFrames(count: Int) throws -> [(frame: LumaImage, vehicle: GroundTruth.Vehicle, index: Int)] {
        var out: [(LumaImage, GroundTruth.Vehicle, Int)] = []
        for (video, truth) in try clips() {
            let wanted = Dictionary(truth.vehicles.prefix(count).map { (($0.first_frame + $0.last_frame) / 2, $0) }, uniquingKeysWith: { a, _ in a })
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

    /// Rows of a real set's `ground_truth.csv` (file, plate_text, lines), skipping unreadable plates.
    public static func realCrops(_ set: String) throws -> [(file: URL, plate: String, lines: Int)] {
        guard let base = realData?.appendingPathComponent(set) else { return [] }
        let text = try String(contentsOf: base.appendingPathComponent("ground_truth.csv"), encoding: .utf8)
        var rows = text.split(whereSeparator: \.isNewline).map { CSV.fields(String($0)) }
        let header = rows.removeFirst()
        guard let file = header.firstIndex(of: "file"), let plate = header.firstIndex(of: "plate_text") else { return [] }
        let lines = header.firstIndex(of: "lines")
        return rows.compactMap { row in
            guard row.count > max(file, plate), !row[plate].isEmpty else { return nil }
            let layout = lines.flatMap { row.count > $0 ? Int(row[$0]) : nil } ?? 1
            return (base.appendingPathComponent(row[file]), row[plate], layout)
        }
    }
}

/// Just enough CSV for the ground-truth files: quoted fields with doubled quotes.
public enum CSV {
    public static func fields(_ line: String) -> [String] {
        var fields: [String] = [], current = "", quoted = false
        var chars = Array(line)[...]
        while let c = chars.popFirst() {
            if quoted {
                if c == "\"" {
                    if chars.first == "\"" { current.append("\""); chars.removeFirst() } else { quoted = false }
                } else { current.append(c) }
            } else if c == "\"" { quoted = true } else if c == "," { fields.append(current); current = "" } else { current.append(c) }
        }
        fields.append(current)
        return fields
    }
}
