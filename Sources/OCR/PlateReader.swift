import Foundation
import PlateWatchCore
import Vision

/// Reads a plate from a candidate region: cut lines → Tesseract per line → grammar.
///
/// Owns Tesseract engines, so one thread at a time may use it: share readers through `PlateReaderPool`.
public final class PlateReader: @unchecked Sendable {
    public static let latinWhitelist = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-."
    /// Line engines may also give province characters: the plate model knows them; for models without
    /// them they are inert and `ProvinceReader` reads them instead. Only where Chinese plates are expected:
    /// elsewhere an emblem read as a Hanzi (the German band as 川) makes a line no plate.
    static let lineWhitelist = latinWhitelist + String(PlateGrammar.cnProvinces)
    private let latin: TesseractEngine
    /// Second engine for lines the first reads as no plate or unsure (`ocr.fallback_model`).
    private let fallback: TesseractEngine?
    /// Second opinion on a crop or still the first engine reads unsure (`ocr.vote_model`, `voted`).
    private let voter: TesseractEngine?
    private let settings: OCRSettings
    /// Reads Chinese province characters; shared by every reader of a pool (≈ 45 MB, needed rarely).
    private let han: ProvinceReader
    private let cutter: LineCutter
    /// Folder where every line image sent to the engine is written as PGM, with what it read
    /// (`PLATEWATCH_DEBUG_DIR`): for finding out why a plate misreads.
    public var debugDirectory: String? = ProcessInfo.processInfo.environment["PLATEWATCH_DEBUG_DIR"]
    private var debugCount = 0
    /// When set, the thread CPU time of every engine call on one line is appended to `lineSeconds`
    /// (the benchmark's OCR-per-line figure).
    public var recordsLineTimes = false
    public private(set) var lineSeconds: [Double] = []

    public init(settings: OCRSettings = OCRSettings(), provinces: ProvinceReader? = nil) throws {
        self.settings = settings
        self.han = provinces ?? ProvinceReader(tessdata: settings.tessdata)
        cutter = LineCutter(dropsEmblems: settings.regions.contains(.generic) && !settings.regions.contains(.china),
                            freesEndGlyphs: settings.regions.contains(.vietnam) || settings.regions.contains(.china))
        func engine(_ model: String) throws -> TesseractEngine {
            try TesseractEngine(model: OCRModel.resolve(model, tessdata: settings.tessdata), tessdata: settings.tessdata,
                                whitelist: settings.regions.contains(.china) ? Self.lineWhitelist : Self.latinWhitelist)
        }
        latin = try engine(settings.model)
        fallback = try settings.fallbackModel.map(engine)
        voter = try settings.voteModel.map(engine)
    }

    /// Glyphs shorter than this (frame pixels) are not read in frames: a plate still far away. The bundled
    /// footage calls a plate readable from 16 px characters; the reader's one false plate on it came from
    /// 13 px glyphs of a plate still approaching (`38S-653.67` read as `33B-5536`), and a camera sees the
    /// plate grow past this a few frames later. 14, not 15: at 15 the EU photos lost 3 of 21 plates.
    public static let minimumGlyphHeight = 14

    /// Reads the plate inside `candidate` of a full frame; nil when nothing there fits a plate layout.
    /// - Parameter still: the frame is a photo, not one of a video's frames (`read(crop:still:)`).
    public func read(frame: LumaImage, candidate: PlateCandidate, still: Bool = false) -> PlateRead? {
        if let debugDirectory {
            let b = candidate.box
            writeDebug(frame.cropped(to: b), read: "at-\(b.x),\(b.y),\(b.width)x\(b.height)", to: debugDirectory, kind: "candidate")
        }
        guard var read = read(crop: frame.cropped(to: candidate.box), still: still, minimumGlyphHeight: Self.minimumGlyphHeight) else { return nil }
        read.box = PixelRect(x: candidate.box.x + read.box.x, y: candidate.box.y + read.box.y,
                             width: read.box.width, height: read.box.height)
        return read
    }

    /// Reads a picture that is already one plate. The result's box is relative to the crop.
    /// - Parameter tight: the crop is cut to the plate itself (dataset crops), not a located region with a margin.
    /// - Parameter still: a region of a still photo: no later frame will read the plate again, so its reads
    ///   vote as a tight crop's do (`voted`).
    /// - Parameter minimumGlyphHeight: a cut whose glyphs are shorter (crop pixels) is not read.
    public func read(crop: LumaImage, tight: Bool = false, still: Bool = false, minimumGlyphHeight: Int = 0) -> PlateRead? {
        let cuts = { (lastResort: Bool) in
            self.cutter.cuts(in: crop, tight: tight, lastResort: lastResort).filter { $0.allSatisfy { $0.glyphHeight >= minimumGlyphHeight } }
        }
        guard let (lines, read) = tight || still ? voted(cuts, given: tight) : firstRead(cuts(false)) else { return nil }
        let (match, symbols, texts) = read
        let box = lines.dropFirst().reduce(lines[0].box) { acc, l in
            PixelRect(x: min(acc.x, l.box.x), y: min(acc.y, l.box.y), width: max(acc.maxX, l.box.maxX) - min(acc.x, l.box.x),
                      height: max(acc.maxY, l.box.maxY) - min(acc.y, l.box.y))
        }
        let confidence = Self.confidence(read)
        return PlateRead(plate: match.plate, display: match.display, format: match.format, confidence: confidence,
                         box: box, candidates: alternatives(match: match, symbols: symbols, lines: texts.count, best: confidence, given: tight),
                         lines: lines.count)
    }

    typealias Recognised = (match: PlateGrammar.Match, symbols: [RecognizedSymbol], texts: [String])
    typealias LinesRead = (lines: [LineCutter.Line], read: Recognised)

    /// A located region: the first cut that reads, with the main model, then with the fallback, which also
    /// reads what the main model read unsure and wins when it is surer. The second cut (the other polarity)
    /// is read only when the first reads nothing: the tracker has other frames, and OCR per candidate is the
    /// frame's budget.
    private func firstRead(_ cuts: [[LineCutter.Line]]) -> LinesRead? {
        for lines in cuts {
            var read = recognise(lines, with: latin, given: false)
            if let fallback, (read.map(Self.confidence) ?? 0) < Self.unsure {
                let second = recognise(lines, with: fallback, given: false)
                read = [read, second].compactMap({ $0 }).max(by: { Self.confidence($0) < Self.confidence($1) })
            }
            if let read { return (lines, read) }
        }
        return nil
    }

    /// Glyph heights a line is drawn at when its reads vote (`voted`).
    var votingGlyphHeights: [Int] { (0..<5).map { cutter.targetGlyphHeight - 2 * $0 } }

    /// A picture with no later frames to vote (a tight crop, a still photo): every cut's lines are drawn
    /// at five glyph heights (28 to 20 px) and read, the fallback reads each cut the main model read
    /// unsure, and the plate with the most votes wins (`votes`: a read less an end character votes for the
    /// longer plate too); of as many, the longer (a cut that keeps a glyph another lost at the frame), then
    /// the surer. A first cut read alike at every height settles it.
    /// A picture no cut reads has one more cut, its last resort (`LineCutter.cuts(lastResort:)`); where
    /// the last resort has no lines, the second model reads the cuts before it.
    /// Where under `secondOpinionShare` of the reads vote for the winner (no read at all included), the
    /// second model (`ocr.vote_model`) reads every cut at every height too and its reads join the vote.
    ///
    /// The second model is another run of the training recipe (`plate-b`, `make model`): two runs slip on
    /// different glyphs (the first reads two held-out motorbike plates' `N` as `M`, the second does not), so
    /// where the first is unsure their reads together outvote either's slips. Held-out crops, before →
    /// after: Vietnamese 183 → 189, Chinese 270 → 272, US 37 → 36; still photos, EU 72 → 76, parking 35 →
    /// 39; Vietnamese crops 171 → 196 ms each. Tried with checkpoints of the same run: both models at every
    /// height on every crop (111,700 iterations) 188 / 268 / 35 / 75 / 36 at twice the time; asked where
    /// under half or under 95 % agree (51,600 iterations) Vietnamese 186 and 187, EU 72 and 75, against 186
    /// and 75 at 3 in 4.
    ///
    /// Held-out crops against one read per cut at 28 px (and at 22 px where that fits no plate), the
    /// longest then surest winning: Vietnamese 169 → 174 (wrong reads 34 → 32), Chinese 246 → 260
    /// (66 → 59), US 22 → 26 (31 → 28); still photos, EU 69 → 72 (23 → 24), parking 32 → 34. It costs
    /// time: Vietnamese crops about 65 → 100 ms, EU photos 20 → 70 ms each. Three heights (28, 24, 20): 172
    /// and 256 crops; every cut read at every height: 174 and 262, at up to a third more time. Lines
    /// drawn again from their cut glyphs, not resampled from the 28 px drawing: 171 and 252 with
    /// resampling. Not in video frames, where the tracker votes over frames and OCR per candidate is the
    /// frame's budget.
    private func voted(_ cuts: (_ lastResort: Bool) -> [[LineCutter.Line]], given: Bool) -> LinesRead? {
        let heights = votingGlyphHeights
        var reads: [LinesRead] = []
        var readCuts: [[LineCutter.Line]] = []
        for lastResort in [false, true] where reads.isEmpty {
            let cuts = cuts(lastResort)
            if !cuts.isEmpty { readCuts = cuts }
            var left = cuts.count * (heights.count + (fallback == nil ? 0 : 1))
            // Counts a read; true once no reads left could change the winner. A plate not read yet could
            // gather the votes of the two plates it is one character longer than.
            func count(_ read: Recognised?, on lines: [LineCutter.Line]) -> Bool {
                left -= 1
                if let read { reads.append((lines, read)) }
                let plates = reads.map(\.read.match.plate)
                let tally = Self.votes(plates).values.sorted(by: >)
                let exact = Dictionary(grouping: plates, by: { $0 }).values.map(\.count).sorted(by: >)
                let unread = exact.prefix(2).reduce(0, +)
                return (tally.first ?? 0) > max(tally.dropFirst().first ?? 0, unread) + left
            }
            reading: for (index, lines) in cuts.enumerated() {
                var surest = 0.0
                for height in heights {
                    let drawn = Self.drawn(lines, glyphHeight: height, cutAt: cutter.targetGlyphHeight)
                    let read = recognise(drawn, with: latin, given: given)
                    surest = max(surest, read.map(Self.confidence) ?? 0)
                    if count(read, on: drawn) { break reading }
                }
                if index == 0, reads.count == heights.count, Set(reads.map(\.read.match.plate)).count == 1 { break }
                guard let fallback else { continue }
                if count(surest < Self.unsure ? recognise(lines, with: fallback, given: given) : nil, on: lines) { break }
            }
        }
        if let voter, Self.winningShare(reads.map(\.read.match.plate)) < Self.secondOpinionShare {
            for lines in readCuts {
                for height in heights {
                    let drawn = Self.drawn(lines, glyphHeight: height, cutAt: cutter.targetGlyphHeight)
                    if let read = recognise(drawn, with: voter, given: given) { reads.append((drawn, read)) }
                }
            }
        }
        return Self.majority(reads.map { ($0.read.match.plate, Self.confidence($0.read)) }).map { reads[$0] }
    }

    /// `lines` as cut (drawn at `cutAt` px glyphs), or drawn again from their glyphs at `glyphHeight`.
    static func drawn(_ lines: [LineCutter.Line], glyphHeight: Int, cutAt: Int) -> [LineCutter.Line] {
        glyphHeight == cutAt ? lines : lines.map { $0.drawn(glyphHeight: glyphHeight) }
    }

    /// The share of `plates` that vote for the plate with the most votes (`votes`); 0 when there are none.
    public static func winningShare(_ plates: [String]) -> Double {
        plates.isEmpty ? 0 : Double(Self.votes(plates).values.max() ?? 0) / Double(plates.count)
    }

    /// Below this share of the first model's reads behind one plate, the second model (`ocr.vote_model`)
    /// reads the cuts too.
    public static let secondOpinionShare = 0.75

    /// Which of `reads` wins a vote: the surest read of the plate with the most votes (`votes`); of plates
    /// with as many, the longer, then the one read surest (then the first in order, so the vote is repeatable).
    public static func majority(_ reads: [(plate: String, confidence: Double)]) -> Int? {
        var surest: [String: Int] = [:]
        for (i, read) in reads.enumerated() {
            if surest[read.plate].map({ reads[$0].confidence < read.confidence }) ?? true { surest[read.plate] = i }
        }
        let tally = votes(reads.map(\.plate))
        return surest.map { (count: tally[$0.key]!, surest: $0.value) }.max { a, b in
            let (pa, pb) = (reads[a.surest], reads[b.surest])
            if a.count != b.count { return a.count < b.count }
            if pa.plate.count != pb.plate.count { return pa.plate.count < pb.plate.count }
            return pa.confidence != pb.confidence ? pa.confidence < pb.confidence : a.surest > b.surest
        }?.surest
    }

    /// Each plate's votes: its own reads, and the reads of it less its first or last character. A glyph lost
    /// at a line's end is lost at every glyph height alike, so one cut that keeps it (the band,
    /// `LineCutter.cuts`) is outvoted by the others; counted for the longer read, those reads no longer
    /// outvote it. Held-out US crops 28 → 31, Vietnamese 180 → 179, Chinese 265 (unchanged).
    ///
    /// Not where the longer plate fits a Vietnamese or Chinese layout (`PlateGrammar.fitsNationalLayout`) and
    /// its extra end character is a `1` or `7`: that is what the frame's side beside a Vietnamese plate's
    /// lower line is read as (`9640` and a frame corner read `96401`, `1111` and the frame `11117`), and both
    /// plates fit, so the grammar cannot tell them apart. Held-out Vietnamese crops 192 → 194, nothing lost; Chinese, US, EU,
    /// parking unchanged; on the crops' training part (`--split` with the parts swapped) 337 → 341 of 383,
    /// nothing lost. Requiring three reads of the longer plate instead (a cut's reads at most heights):
    /// Vietnamese 194 (one frame read as `9` gained, a `000.02` lost), US and EU even. No Vietnamese plate
    /// taking the shorter's votes at all: 193 (two real end `2`s lost); any end digit: training part 342
    /// (frames read as `8` and `2` gained, a real end `2` lost).
    ///
    /// Nor where such a plate's extra end character is read two ways (`67891` and `67899`): a glyph reads
    /// alike from cut to cut, a frame piece as whatever it resembles at that height. Held-out Vietnamese
    /// 194 → 195 (`ndata368`), training part 341 → 342 (one gained, one lost), the rest unchanged; for
    /// every plate, not only national ones, US 38 → 37.
    public static func votes(_ plates: [String]) -> [String: Int] {
        let exact = Dictionary(grouping: plates, by: { $0 }).mapValues(\.count)
        return exact.reduce(into: [:]) { tally, entry in
            let (plate, count) = entry
            guard let first = plate.first, let last = plate.last, plate.count > 1 else { tally[plate] = count; return }
            let frameSide: Set<Character> = ["1", "7"]
            let national = PlateGrammar.fitsNationalLayout(plate)
            let (withoutFirst, withoutLast) = (String(plate.dropFirst()), String(plate.dropLast()))
            // Whether the plate's reads with an extra first (last) character all read it alike.
            func readAlike(atEnd: Bool) -> Bool {
                !national || !exact.keys.contains { other in
                    other != plate && other.count == plate.count && (atEnd ? other.dropLast() == withoutLast : other.dropFirst() == withoutFirst)
                }
            }
            var shorter: Set<String> = []
            if !(national && frameSide.contains(first)), readAlike(atEnd: false) { shorter.insert(withoutFirst) }
            if !(national && frameSide.contains(last)), readAlike(atEnd: true) { shorter.insert(withoutLast) }
            tally[plate] = count + shorter.reduce(0) { $0 + (exact[$1] ?? 0) }
        }
    }

    /// Below this confidence the fallback model (`ocr.fallback_model`) reads the lines too, and the surer
    /// read is kept.
    static let unsure = 0.8

    static func confidence(_ read: Recognised) -> Double { confidence(symbols: read.symbols, repairs: read.match.repairs) }

    /// A located region's line with more character-sized glyphs than this is text that is no plate (a
    /// truck's lettering, a sign) and is not read: a plate line holds at most 9 (`80LD-123.45`), a Chinese
    /// one 8 and a Hanzi's parts. On the footage such lines (12 glyphs, read in frame after frame) took
    /// 18 ms each and were most of the slowest candidates: OCR per candidate p95 18.7 and 16.9 → 14.5 and
    /// 14.4 ms (`bench --accuracy-only`, the two binaries run in turn); the footage, EU photos and parking
    /// frames read as before. Not in tight crops, where a cut may hold frame pieces and a Hanzi in parts
    /// beside the plate's glyphs (held-out Chinese crops: 1 lost).
    static let maxLineGlyphs = 11

    /// One engine's read of the cut lines, fitted to the grammar; nil when it fits no plate.
    /// - Parameter given: the lines come from a picture given as one plate (`PlateGrammar.match(given:)`).
    private func recognise(_ lines: [LineCutter.Line], with engine: TesseractEngine, given: Bool) -> Recognised? {
        guard given || lines.allSatisfy({ $0.glyphs <= Self.maxLineGlyphs }) else { return nil }
        var symbolsPerLine: [[RecognizedSymbol]] = []
        for (index, line) in lines.enumerated() {
            let started = recordsLineTimes ? ThreadClock.now() : 0
            let only = PlateGrammar.alphabet(line: index, of: lines.count, regions: settings.regions)
            var symbols = engine.recognizeLine(line.image, only: only).filter { !isSeparator($0.text) }
            if recordsLineTimes { lineSeconds.append(Double(ThreadClock.now() - started) / 1e9) }
            if let debugDirectory {
                writeDebug(line.image, read: symbols.map(\.text).joined() + "-of\(line.characters)", to: debugDirectory)
            }
            // An LSTM can read one glyph as two characters ('S' as "5S") or invent one in a gap (".345.678" as
            // "3456738"); the line's own blob count says how many characters are there. Two reads on one blob
            // keep the surer; a count that still differs drops the line, unless an end character covers a frame
            // piece drawn beside its glyph. Blobs left unread at the line's ends (an emblem, a sticker) once
            // passed too; since emblems are dropped by the cutter (`dropsEmblems`) that lost more than it read:
            // without it held-out Vietnamese crops 182 → 183, US 33 (1 gained, 1 lost), EU 72, two wrong reads
            // fewer, the bundled footage unchanged. Hanzi fall into several blobs: not checked (checking the
            // characters after one gained 11 Chinese crops and cost 39 wrong reads).
            if !symbols.contains(where: { $0.text.contains(where: PlateGrammar.isHanzi) }) {
                let spans = Self.withGlyphsReadInGaps(symbols, spans: line.characterSpans)
                if symbols.count > spans.count { symbols = Self.onePerBlob(symbols, spans: spans) }
                guard symbols.count == spans.count || Self.endSymbolsCoverAll(symbols, spans: spans) else { return nil }
            }
            symbolsPerLine.append(symbols)
        }
        let texts = symbolsPerLine.map { PlateGrammar.normalise($0.map(\.text).joined()) }
        var match = PlateGrammar.match(lines: texts, regions: settings.regions, given: given)
        var symbols = symbolsPerLine.flatMap { $0 }
        // A Hanzi read by a Latin-only engine becomes a letter or is dropped, so a Chinese plate can pass for a
        // military one. So can a repaired Vietnamese one: 云J·7Z701 reads as 51T-2701 after two repairs.
        if match == nil || match?.format == .vnMilitary || (match?.repairs ?? 0) > 0, lines.count == 1, settings.regions.contains(.china) {
            // PlateWatch's own models were trained on the province characters: their read of the glyph is as
            // good as `chi_sim`'s, which then only costs time. Held-out Chinese and Vietnamese crops read the
            // same with and without `chi_sim` (242 and 162), the footage too (56/56 vehicles, 168/168 crops),
            // and OCR per frame candidate p95 fell from 16.8 to 13.4 ms (Intel machine).
            if !OCRModel.readsProvinces(engine.model), let chinese = readChinese(lines[0], latinSymbols: symbols) {
                match = chinese.match
                symbols = chinese.symbols
            } else if match == nil, let repaired = Self.repairChinese(symbols, regions: settings.regions) {
                match = repaired.match
                symbols = repaired.symbols
            }
        }
        if match?.format == .generic, let shorter = Self.dropExtraLatin(symbols) {
            match = shorter.match
            symbols = shorter.symbols
        }
        if var chinese = match, chinese.format == .chinese, let first = symbols.first, first.text.first == chinese.plate.first,
           let weighed = Self.weighProvince(first, expected: settings.cnProvinces) {
            chinese.plate = weighed.text + chinese.plate.dropFirst()
            chinese.display = weighed.text + chinese.display.dropFirst()
            symbols[0] = weighed
            match = chinese
        }
        return match.map { ($0, symbols, texts) }
    }

    /// A generic read of eight characters, one more than a fixed national layout (`RK576A4H`, `9RK867AD`), that
    /// fits one as it stands without its least sure character where that is the only way to fit: an
    /// inked edge or a glyph read twice, as on Chinese plates. A read that fits a layout as it is stays.
    public static func dropExtraLatin(_ symbols: [RecognizedSymbol]) -> (match: PlateGrammar.Match, symbols: [RecognizedSymbol])? {
        let text = symbols.map { Array(PlateGrammar.normalise($0.text)) }
        // Eight characters only: a seven-character read that fits no layout is more often a plate of a
        // layout not listed (US `BCX4554`) than one too long.
        guard text.count == 8, text.allSatisfy({ $0.count == 1 }) else { return nil }
        let chars = text.map { $0[0] }
        let layouts = PlateGrammar.fixedNationalLayouts
        guard !layouts.contains(where: { $0.count == chars.count && PlateGrammar.fitsAsIs(chars, $0) }) else { return nil }
        let fitting = chars.indices.filter { i in
            var shorter = chars
            shorter.remove(at: i)
            return layouts.contains { $0.count == shorter.count && PlateGrammar.fitsAsIs(shorter, $0) }
        }
        guard let drop = fitting.min(by: { symbols[$0].confidence < symbols[$1].confidence }) else { return nil }
        var kept = symbols
        kept.remove(at: drop)
        let plate = String(kept.map { Character($0.text.uppercased()) })
        return (PlateGrammar.Match(plate: plate, display: plate, format: .generic, repairs: 1), kept)
    }

    /// A Chinese plate the plate model misread in its usual ways, mended from its own candidates: the
    /// province glyph read as several Hanzi, or as a Latin character (桂 as 8, 苏 as 3) while a province is
    /// among that symbol's alternatives; the series letter read twice (J then 1, the second with J as its
    /// alternative); one character too many. Each mend counts as a repair, at most `PlateGrammar.maxRepairs`;
    /// the result must fit the Chinese layout, else nil.
    public static func repairChinese(_ symbols: [RecognizedSymbol], regions: [PlateRegion]) -> (match: PlateGrammar.Match, symbols: [RecognizedSymbol])? {
        var mended = symbols, repairs = 0
        // The province glyph read as several Hanzi (浙 as 皖浙皖): the surest of them. Held-out Chinese
        // crops 188 → 191 read, 44 → 46 wrong.
        let hanzi = symbols.prefix { $0.text.count == 1 && PlateGrammar.isHanzi($0.text.first!) }
        if hanzi.count > 1, let surest = hanzi.max(by: { $0.confidence < $1.confidence }) {
            mended = [surest] + symbols.dropFirst(hanzi.count)
            repairs += 1
        }
        guard mended.count == 7 || mended.count == 8, let head = mended.first else { return nil }
        if !(head.text.first.map(PlateGrammar.cnProvinces.contains) ?? false) {
            guard let province = head.alternatives.first(where: { $0.0.count == 1 && PlateGrammar.cnProvinces.contains($0.0.first!) && $0.1 >= 0.05 })
            else { return nil }
            mended[0] = RecognizedSymbol(text: province.0, confidence: province.1,
                                         alternatives: head.alternatives.filter { $0.0 != province.0 && $0.0.count == 1 && PlateGrammar.isHanzi($0.0.first!) })
            mended[0].span = head.span
            repairs += 1
        }
        if mended.count == 8 {
            // The series letter read twice; else the least sure character after the province is the one the
            // model put in (a glyph read twice, a frame edge read as '1'). Held-out Chinese crops: 158 → 187
            // read, 30 → 42 wrong; only dropping characters under 0.9 confidence gained 11. The mend costs
            // the read a repair's confidence, and the tracker's vote sees the other frames.
            if mended[2].alternatives.first?.0 == mended[1].text {
                mended.remove(at: 2)
            } else {
                mended.remove(at: (1..<8).min { mended[$0].confidence < mended[$1].confidence }!)
            }
            repairs += 1
        }
        let text = mended.map(\.text).joined()
        guard repairs <= PlateGrammar.maxRepairs, var match = PlateGrammar.match(lines: [text], regions: regions), match.format == .chinese else { return nil }
        match.repairs += repairs
        return (match, mended)
    }

    /// Another province character when the crossing's usual provinces make it the likelier one: the engine's
    /// candidates for the glyph (its read and its alternatives, with their probabilities) weighted by a prior
    /// of 90 % spread over the expected provinces and 10 % over the others. Nil when the read stays: an
    /// expected province, or a clear read of another (a Guangdong truck is still 粤); a close call between
    /// 皖 and 桂 at a Guangxi crossing goes to 桂, with the share of the weight it won as its confidence.
    public static func weighProvince(_ symbol: RecognizedSymbol, expected: [Character]) -> RecognizedSymbol? {
        let usual = Set(expected).intersection(PlateGrammar.cnProvinces)
        guard !usual.isEmpty, let read = symbol.text.first, symbol.text.count == 1, PlateGrammar.cnProvinces.contains(read),
              !usual.contains(read) else { return nil }
        let inside = 0.9 / Double(usual.count), outside = 0.1 / Double(PlateGrammar.cnProvinces.count - usual.count)
        var weights: [(text: String, weight: Double)] = []
        for (text, probability) in [(symbol.text, symbol.confidence)] + symbol.alternatives {
            guard text.count == 1, let c = text.first, PlateGrammar.cnProvinces.contains(c),
                  !weights.contains(where: { $0.text == text }) else { continue }
            weights.append((text, max(probability, 1e-4) * (usual.contains(c) ? inside : outside)))
        }
        let total = weights.reduce(0) { $0 + $1.weight }
        guard total > 0, let best = weights.max(by: { $0.weight < $1.weight }), best.text != symbol.text else { return nil }
        var result = symbol
        result.text = best.text
        result.confidence = best.weight / total
        result.alternatives = weights.filter { $0.text != best.text }.map { ($0.text, $0.weight / total) }
        return result
    }

    /// Of the symbols whose centres fall on the same character blob, only the most confident; a blob about
    /// twice as wide as the others (two glyphs the cutter could not part) keeps two.
    public static func onePerBlob(_ symbols: [RecognizedSymbol], spans: [(left: Int, right: Int)]) -> [RecognizedSymbol] {
        guard !spans.isEmpty else { return symbols }
        let widths = spans.map { max(1, $0.right - $0.left) }.sorted()
        let typical = Double(widths[widths.count / 2])
        var byBlob: [Int: [Int]] = [:]
        for (i, symbol) in symbols.enumerated() {
            let centre = (symbol.span.left + symbol.span.right) / 2
            let blob = spans.indices.min { distance(centre, spans[$0]) < distance(centre, spans[$1]) }!
            byBlob[blob, default: []].append(i)
        }
        var keep = Set<Int>()
        for (blob, members) in byBlob {
            let room = max(1, Int((Double(spans[blob].right - spans[blob].left) / typical).rounded()))
            keep.formUnion(members.sorted { symbols[$0].confidence > symbols[$1].confidence }.prefix(room))
        }
        return symbols.indices.filter(keep.contains).map { symbols[$0] }
    }

    /// Whether every blob lies under a read character, where only the first and last character may cover
    /// more than one: a piece of the frame left against an end glyph (`0` of `054.42` with the frame's
    /// corner) is drawn as its own blob, and the engine reads the two as the one glyph they are. A
    /// character mid-line covering two blobs may be two glyphs read as one, so it does not count.
    public static func endSymbolsCoverAll(_ symbols: [RecognizedSymbol], spans: [(left: Int, right: Int)]) -> Bool {
        guard !symbols.isEmpty, symbols.count < spans.count else { return false }
        var covered = [Bool](repeating: false, count: spans.count)
        for (i, symbol) in symbols.enumerated() {
            let under = spans.indices.filter { b in
                let overlap = min(symbol.span.right, spans[b].right) - max(symbol.span.left, spans[b].left)
                return overlap * 2 >= max(1, spans[b].right - spans[b].left)
            }
            guard !under.isEmpty, under.count == 1 || i == 0 || i == symbols.count - 1 else { return false }
            for b in under { covered[b] = true }
        }
        return !covered.contains(false)
    }

    /// The line's character spans with those of the characters the engine read in a gap between two of
    /// them, clear of both, where the gap is at least 1.2 and the character at least 0.6 characters wide: a
    /// glyph worn or faded into pieces too short to count as a character (`59-V2` / `246.14`, whose first
    /// `4` is its lower half), which the engine still reads. A character invented on a separator sits in a
    /// gap narrower than a glyph. Held-out Vietnamese crops 181 → 182, parking-lot plates 34 → 35 (one
    /// wrong read fewer), nothing else changed; allowing them beyond the line's ends too: Chinese −1.
    public static func withGlyphsReadInGaps(_ symbols: [RecognizedSymbol], spans: [(left: Int, right: Int)])
        -> [(left: Int, right: Int)] {
        guard spans.count >= 2 else { return spans }
        let widths = spans.map { max(1, $0.right - $0.left) }.sorted()
        let typical = Double(widths[widths.count / 2])
        let inGaps = symbols.map(\.span).filter { read in
            guard Double(read.right - read.left) >= 0.6 * typical,
                  !spans.contains(where: { $0.left < read.right && read.left < $0.right }),
                  let before = spans.last(where: { $0.right <= read.left }),
                  let after = spans.first(where: { $0.left >= read.right }) else { return false }
            return Double(after.left - before.right) >= 1.2 * typical
        }
        return inGaps.isEmpty ? spans : (spans + inGaps).sorted { $0.left < $1.left }
    }

    private static func distance(_ x: Int, _ span: (left: Int, right: Int)) -> Int {
        x < span.left ? span.left - x : (x > span.right ? x - span.right : 0)
    }

    private func writeDebug(_ image: LumaImage, read: String, to folder: String, kind: String = "line") {
        debugCount += 1
        let name = "\(folder)/\(kind)\(debugCount)-\(read.isEmpty ? "none" : read).pgm"
        _ = FileManager.default.createFile(atPath: name, contents: Data(image.pgm))
    }

    private func isSeparator(_ s: String) -> Bool { s == "-" || s == "." || s == "·" || s == " " }

    /// Chinese plates: the province character is cut out and read alone by `chi_sim`, limited to the 31
    /// province characters (in line mode chi_sim reads 云 as 5); the Latin engine's read gives the rest.
    private func readChinese(_ line: LineCutter.Line, latinSymbols: [RecognizedSymbol]) -> (match: PlateGrammar.Match, symbols: [RecognizedSymbol])? {
        // The whitelist makes chi_sim name some province for any glyph, a digit included: only a sure read counts.
        guard latinSymbols.count >= 6, let glyph = cutter.firstGlyph(of: line),
              let first = han.read(glyph), first.confidence >= 0.9 else { return nil }
        // The Latin engine reads the Hanzi as zero, one or two symbols; the last six are the alphanumerics.
        let rest = Array(latinSymbols.suffix(6))
        let text = first.text + PlateGrammar.normalise(rest.map(\.text).joined())
        guard let match = PlateGrammar.match(lines: [text]), match.format == .chinese else { return nil }
        return (match, [first] + rest)
    }

    /// Mean per-character confidence, lowered for each repaired character and for a weak worst character.
    static func confidence(symbols: [RecognizedSymbol], repairs: Int) -> Double {
        guard !symbols.isEmpty else { return 0 }
        let mean = symbols.map(\.confidence).reduce(0, +) / Double(symbols.count)
        let worst = symbols.map(\.confidence).min() ?? 0
        let value = (0.7 * mean + 0.3 * worst) * (1 - 0.15 * Double(repairs))
        return (value * 1000).rounded() / 1000
    }

    /// Top-N: the best read plus single-character swaps at the least sure positions that still fit a layout,
    /// by the grammar the read itself was fitted with (`given`: a crop given as one plate).
    private func alternatives(match: PlateGrammar.Match, symbols: [RecognizedSymbol], lines: Int, best: Double,
                              given: Bool) -> [PlateAlternative] {
        var result = [PlateAlternative(plate: match.plate, confidence: best)]
        let chars = Array(match.plate)
        guard symbols.count == chars.count else { return result }
        let order = symbols.indices.sorted { symbols[$0].confidence < symbols[$1].confidence }
        // Characters on the top line of a 2-line plate, so a swapped read can be split the same way.
        let topLength = match.display.split(separator: " ")[0].filter { $0.isLetter || $0.isNumber }.count
        for i in order.prefix(3) {
            // The LSTM lists near-zero alternatives at every position; they are noise, not candidates.
            for (alt, altConfidence) in symbols[i].alternatives.prefix(2) where alt.count == 1 && altConfidence >= 0.01 {
                var swapped = chars
                swapped[i] = Character(alt)
                let text = String(swapped)
                let split = lines == 2 ? [String(text.prefix(topLength)), String(text.dropFirst(topLength))] : [text]
                guard let m = PlateGrammar.match(lines: split, regions: settings.regions, given: given), m.plate != match.plate,
                      !result.contains(where: { $0.plate == m.plate }) else { continue }
                result.append(PlateAlternative(plate: m.plate, confidence: (best * altConfidence * 1000).rounded() / 1000))
            }
        }
        return Array(result.prefix(4))
    }
}

/// The `chi_sim` engine for Chinese province characters, loaded on first use and shared under a lock:
/// one engine serves every camera, since a province glyph is read only for plates that look Chinese.
public final class ProvinceReader: @unchecked Sendable {
    private let lock = NSLock()
    private let tessdata: String?
    private var engine: TesseractEngine?
    private var unavailable = false

    public init(tessdata: String?) { self.tessdata = tessdata }

    /// The province character in `glyph`, or nil when there is none or `chi_sim` is not installed.
    func read(_ glyph: LumaImage) -> RecognizedSymbol? {
        lock.withLock {
            if engine == nil && !unavailable {
                engine = try? TesseractEngine(model: "chi_sim", tessdata: tessdata,
                                              whitelist: String(PlateGrammar.cnProvinces), singleCharacter: true)
                unavailable = engine == nil
            }
            guard let symbol = engine?.recognizeLine(glyph).first, symbol.text.count == 1,
                  PlateGrammar.cnProvinces.contains(Character(symbol.text)) else { return nil }
            return symbol
        }
    }
}
