import Foundation
import PlateWatchCore
import Yams

/// One clip's ground truth, as `tools/footage/generate.py` writes it next to the clip.
public struct GroundTruth: Codable, Sendable {
    public struct Vehicle: Codable, Sendable {
        /// Normalised plate: upper-case letters and digits, Chinese province character kept.
        public var plate: String
        public var display: String
        public var format: String
        public var colour: String?
        /// Frames where the plate is readable (inclusive).
        public var firstFrame: Int
        public var lastFrame: Int
        public var boxes: [String: [Int]]

        enum CodingKeys: String, CodingKey {
            case plate, display, format, colour, boxes
            case firstFrame = "first_frame"
            case lastFrame = "last_frame"
        }

        public init(plate: String, display: String, format: String, colour: String?, firstFrame: Int, lastFrame: Int,
                    boxes: [String: [Int]]) {
            self.plate = plate
            self.display = display
            self.format = format
            self.colour = colour
            self.firstFrame = firstFrame
            self.lastFrame = lastFrame
            self.boxes = boxes
        }

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

    public init(video: String, fps: Double, width: Int, height: Int, camera: String, night: Bool?, vehicles: [Vehicle]) {
        self.video = video
        self.fps = fps
        self.width = width
        self.height = height
        self.camera = camera
        self.night = night
        self.vehicles = vehicles
    }
}

/// A footage folder: clips with a ground-truth JSON each.
public struct FootageSet: Sendable {
    public struct Clip: Sendable {
        public var url: URL
        public var truth: GroundTruth
        /// Unique per clip (ground-truth camera names repeat across clips).
        public var id: String { url.deletingPathExtension().lastPathComponent }
        public init(url: URL, truth: GroundTruth) {
            self.url = url
            self.truth = truth
        }
    }
    public var clips: [Clip]
    /// The Chinese provinces of the crossing the footage stands for (`cn_provinces` in the folder's
    /// `site.yaml`): the bench reads the footage with the `ocr.cn_provinces` a box there would have.
    public var cnProvinces: [Character] = []

    /// `cn_provinces` of the footage folder's `site.yaml`; none when the folder has no site profile.
    public static func cnProvinces(in folder: URL) throws -> [Character] {
        guard let text = try? String(contentsOf: folder.appendingPathComponent("site.yaml"), encoding: .utf8),
              let site = try Yams.load(yaml: text) as? [String: Any], let provinces = site["cn_provinces"] as? [String] else { return [] }
        return provinces.compactMap { $0.count == 1 ? $0.first : nil }.filter(PlateText.chineseProvinces.contains)
    }

    public init(folder: URL) throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".json") }.sorted()
        clips = try names.map { name in
            let data = try Data(contentsOf: folder.appendingPathComponent(name))
            let truth: GroundTruth
            do { truth = try JSONDecoder().decode(GroundTruth.self, from: data) } catch {
                throw PlateWatchError(.config, subject: folder.appendingPathComponent(name).path,
                                      message: "not a ground-truth file: \(error)", hint: "see tools/footage/README.md for the format")
            }
            return Clip(url: folder.appendingPathComponent(truth.video), truth: truth)
        }
        cnProvinces = try Self.cnProvinces(in: folder)
        guard !clips.isEmpty else {
            throw PlateWatchError(.fileNotFound, subject: folder.path, message: "no clips with ground truth (*.json) found",
                                  hint: "point --footage at a folder like testvideos/")
        }
    }
}

/// A still-image set: a folder with `ground_truth.csv` (`file,plate_text,x,y,w,h,…,lines,…`), as in ../shared/data/real.
public struct StillSet: Sendable {
    public struct Item: Sendable {
        public var file: URL
        /// Empty for an unreadable plate: a reader should report nothing or a low-confidence read.
        public var plate: String
        public var box: PixelRect?
        public var lines: Int
        /// The set's own label where `plate` corrects it (`LabelCorrections`).
        public var labelled: String?
    }
    public var name: String
    public var items: [Item]
    /// Items whose label `LabelCorrections` corrected.
    public var corrected: Int { items.filter { $0.labelled != nil }.count }

    public init(folder: URL) throws {
        name = folder.lastPathComponent
        let text = try String(contentsOf: folder.appendingPathComponent("ground_truth.csv"), encoding: .utf8)
        var rows = text.split(whereSeparator: \.isNewline).map { CSV.fields(String($0)) }
        guard !rows.isEmpty else { items = []; return }
        let header = rows.removeFirst()
        func column(_ name: String) -> Int? { header.firstIndex(of: name) }
        guard let file = column("file"), let plate = column("plate_text") else {
            throw PlateWatchError(.config, subject: folder.path, message: "ground_truth.csv lacks the file/plate_text columns")
        }
        let (x, y, w, h, lines) = (column("x"), column("y"), column("w"), column("h"), column("lines"))
        func value(_ row: [String], _ index: Int?) -> Int? { index.flatMap { row.count > $0 ? Int(row[$0]) : nil } }
        items = rows.compactMap { row in
            guard row.count > max(file, plate) else { return nil }
            var box: PixelRect?
            if let bx = value(row, x), let by = value(row, y), let bw = value(row, w), let bh = value(row, h) {
                box = PixelRect(x: bx, y: by, width: bw, height: bh)
            }
            return Item(file: folder.appendingPathComponent(row[file]), plate: row[plate], box: box, lines: value(row, lines) ?? 1)
        }
    }
}

/// Labels of the real sets found wrong by eye, with what the picture shows (`benchmarks/label-corrections.csv`:
/// set, file, plate_text, label, seen). The Vietnamese crops' labels are PaddleOCR's, about 3–5 % wrong by
/// their own README: a reader that reads such a plate right is otherwise counted wrong. The bench scores
/// against the corrected labels and reports the count against the set's own labels beside it.
public struct LabelCorrections: Sendable {
    /// Per set, per file (as in its ground_truth.csv): the set's label and the corrected plate.
    public var bySet: [String: [String: (label: String, plate: String)]] = [:]

    public init() {}

    public init(file: URL) throws {
        let text = try String(contentsOf: file, encoding: .utf8)
        var rows = text.split(whereSeparator: \.isNewline).map { CSV.fields(String($0)) }
        guard !rows.isEmpty, rows.removeFirst().prefix(4) == ["set", "file", "plate_text", "label"] else {
            throw PlateWatchError(.config, subject: file.path, message: "expected the header set,file,plate_text,label,seen")
        }
        for (index, row) in rows.enumerated() {
            guard row.count >= 4, !row[0].isEmpty, !row[1].isEmpty, !row[2].isEmpty else {
                throw PlateWatchError(.config, subject: "\(file.path):\(index + 2)", message: "expected set,file,plate_text,label,seen")
            }
            bySet[row[0], default: [:]][row[1]] = (row[3], row[2])
        }
    }

    /// `set` with its corrected labels; each correction must still find the label it corrects, so that a
    /// changed set is checked again by eye rather than scored against a stale correction.
    public func applied(to set: StillSet, folder: URL) throws -> StillSet {
        guard let corrections = bySet[set.name] else { return set }
        var out = set
        var found = Set<String>()
        for i in out.items.indices {
            let file = String(out.items[i].file.path.dropFirst(folder.path.count + 1))
            guard let fix = corrections[file] else { continue }
            guard out.items[i].plate == fix.label else {
                throw PlateWatchError(.config, subject: "\(set.name)/\(file)",
                                      message: "labelled \(out.items[i].plate), but its correction is for the label \(fix.label)",
                                      hint: "look at the picture again and update benchmarks/label-corrections.csv")
            }
            out.items[i].labelled = fix.label
            out.items[i].plate = fix.plate
            found.insert(file)
        }
        if let missing = corrections.keys.first(where: { !found.contains($0) }) {
            throw PlateWatchError(.config, subject: "\(set.name)/\(missing)", message: "a label correction names a file the set does not list",
                                  hint: "update benchmarks/label-corrections.csv to the set")
        }
        return out
    }
}

/// The fixed train/eval split of the real crop sets the plate model was fine-tuned on
/// (`models/train/split.csv`: set, file, part). Accuracy on those sets is measured on the `eval` part only.
public struct TrainingSplit: Sendable {
    /// Held-out files per set; a set that is not in the split was never trained on.
    public var heldOut: [String: Set<String>] = [:]

    public init() {}

    public init(file: URL) throws {
        let text = try String(contentsOf: file, encoding: .utf8)
        for line in text.split(whereSeparator: \.isNewline).dropFirst() {
            let fields = CSV.fields(String(line))
            guard fields.count >= 3 else { continue }
            if heldOut[fields[0]] == nil { heldOut[fields[0]] = [] }
            if fields[2] == "eval" { heldOut[fields[0]]!.insert(fields[1]) }
        }
    }

    /// `set` restricted to its held-out part when the model was trained on part of it; unchanged otherwise.
    public func evaluationPart(of set: StillSet, folder: URL) -> (set: StillSet, heldOut: Bool) {
        guard let files = heldOut[set.name] else { return (set, false) }
        var part = set
        part.items = set.items.filter { item in
            files.contains(String(item.file.path.dropFirst(folder.path.count + 1)))
        }
        return (part, true)
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
