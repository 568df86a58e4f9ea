import ArgumentParser
import Foundation
import Ingest
import OCR
import PlateWatchCore

/// Training data for the plate model (`models/train`): each plate picture goes through the same
/// `LineCutter` that feeds Tesseract at run time, so the model learns the line images it will be given
/// (binarised, levelled, scaled), not clean renders. A picture whose cut does not match its ground truth
/// (another number of lines, or glyph counts far from the text's length) is left out and counted.
struct CutLines: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cut-lines",
        abstract: "Cut plate pictures into OCR training lines (line image, .gt.txt, .box), as the reader cuts them.")

    @Option(name: .long, help: "Tab-separated list: picture path, text lines joined by '|', 1 when the picture is a tight crop.")
    var list: String
    @Option(name: .long, help: "Folder for the line images and their ground truth.") var out: String
    @Option(name: .long, help: "Prefix of the written file names.") var prefix: String = "line"
    @Flag(name: .long, help: "Name each picture left out, and why, on stderr.") var verbose = false
    @Option(name: .long, help: "K/N: cut only the pictures whose list index is K modulo N, named as a whole run names them (N processes on N cores).")
    var part: String = "0/1"

    func run() throws {
        let parts = part.split(separator: "/").compactMap { Int($0) }
        guard parts.count == 2, parts[1] >= 1, (0..<parts[1]).contains(parts[0]) else {
            throw Setup.fail(PlateWatchError(.config, subject: "--part \(part)", message: "expected K/N with 0 ≤ K < N, such as 0/2"))
        }
        let entries: [(path: String, lines: [String], tight: Bool)]
        do {
            let text = try String(contentsOfFile: list, encoding: .utf8)
            entries = try text.split(whereSeparator: \.isNewline).enumerated().map { index, row in
                let fields = row.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
                guard fields.count >= 2, !fields[0].isEmpty, !fields[1].isEmpty else {
                    throw PlateWatchError(.config, subject: "\(list):\(index + 1)", message: "expected PATH<TAB>LINE1|LINE2[<TAB>TIGHT]")
                }
                return (fields[0], fields[1].split(separator: "|").map(String.init), fields.count > 2 && fields[2] == "1")
            }
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        } catch { throw Setup.fail(error) }

        let cutter = LineCutter()
        var written = 0, wrongLineCount = 0, wrongGlyphs = 0, unreadable = 0, seen = 0
        for (index, entry) in entries.enumerated() where index % parts[1] == parts[0] {
            if index % 500 < parts[1] {
                FileHandle.standardError.write(Data("cut-lines: \(index)/\(entries.count) pictures, \(written) lines\n".utf8))
            }
            seen += 1
            guard let frame = try? MediaReader(url: entry.path, camera: "train").next() else {
                unreadable += 1
                continue
            }
            // Fewer glyphs than characters means one was lost (merged into the border, too faint): the line
            // would teach the model to see a character that is not there. One extra blob (a broken stroke, a
            // screw) is allowed; a Hanzi falls into one to three blobs.
            func plausible(_ lines: [LineCutter.Line]) -> Bool {
                zip(lines, entry.lines).allSatisfy { line, text in
                    let hanzi = text.filter(PlateGrammar.isHanzi).count
                    let latin = text.count - hanzi
                    return line.characters >= latin + hanzi && line.characters <= latin + 1 + 2 * hanzi
                }
            }
            // The first of the cutter's cuts that fits the text, as the reader takes the first that reads.
            let cuts = cutter.cuts(in: frame.luma, tight: entry.tight)
            guard let lines = cuts.first(where: { $0.count == entry.lines.count && plausible($0) }) else {
                if cuts.contains(where: { $0.count == entry.lines.count }) {
                    wrongGlyphs += 1
                    if verbose {
                        FileHandle.standardError.write(Data("\(entry.path): characters \(cuts.map { $0.map(\.characters) }) for \(entry.lines)\n".utf8))
                    }
                } else {
                    wrongLineCount += 1
                    if verbose { FileHandle.standardError.write(Data("\(entry.path): \(cuts.map(\.count)) lines cut, \(entry.lines.count) expected\n".utf8)) }
                }
                continue
            }
            for (k, (line, text)) in zip(lines, entry.lines).enumerated() {
                let stem = "\(out)/\(prefix)\(String(format: "%06d", index))_\(k)"
                try Self.write(line.image, text: text, stem: stem)
                written += 1
            }
        }
        Swift.print("cut-lines: \(seen) pictures → \(written) lines; left out: \(wrongLineCount) other line count, "
            + "\(wrongGlyphs) implausible glyph count, \(unreadable) unreadable")
    }

    /// The line as PGM, its text, and a Tesseract box file whose every character spans the whole line
    /// (LSTM training needs the text of the line, not where each character is).
    static func write(_ image: LumaImage, text: String, stem: String) throws {
        try Data(image.pgm).write(to: URL(fileURLWithPath: stem + ".pgm"))
        try (text + "\n").write(toFile: stem + ".gt.txt", atomically: false, encoding: .utf8)
        let box = "0 0 \(image.width) \(image.height) 0"
        let boxes = text.map { "\($0) \(box)\n" }.joined() + "\t \(box)\n"
        try boxes.write(toFile: stem + ".box", atomically: false, encoding: .utf8)
    }
}
