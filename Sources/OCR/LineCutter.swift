import Foundation
import PlateWatchCore
import Vision

/// Cuts a plate crop into clean text-line images for the OCR engine.
///
/// The crop is binarised (Otsu over its centre, where the plate is), text polarity is decided by which
/// class is the minority there (ink is less than background on every plate), and 8-connected ink blobs
/// that look like characters are grouped into lines. Everything else (the plate border, screws, the
/// vehicle around the plate) is dropped, so the engine sees black glyphs on white and nothing more.
/// A 2-line plate gives its two lines top first.
public struct LineCutter: Sendable {
    /// Glyph height of the rendered lines. Measured on the bundled footage with `eng`: 28 px reads as many
    /// plates as 36 px, with fewer wrong events (98.1 % vs 96.3 % precision) and ≈ 9 % less OCR time.
    public var targetGlyphHeight = 28
    /// Other countries' plates carry emblems beside or between the characters (a coat of arms, a sticker):
    /// blobs shorter than the glyphs, clear of both their top and bottom lines, which the engine reads as
    /// an extra letter (Slovak `RK·612AL` as `WRK612AL`). Dropped when set. Off where Chinese plates are
    /// read: parts of a Hanzi float the same way.
    public var dropsEmblems = false
    /// Vietnamese and Chinese plates lose a glyph that touches their frame at a line's end; it is cut free
    /// when set (`detachEndGlyphs`). On the US and EU sets it cost 3 of the 49 plates read (emblems and
    /// frame pieces freed beside the text), so it is off where only other countries' plates are read.
    public var freesEndGlyphs = true
    /// Binarise against each pixel's neighbourhood (`localMask`) rather than one threshold for the crop.
    var localThreshold = false
    /// Split the light class of the crop's Otsu threshold again, at its own Otsu threshold (`cuts(lastResort:)`).
    var splitsLight = false
    /// Clear ink thinner than half the glyphs' strokes (`removeThinStrokes`) before labelling.
    var removesThinStrokes = false
    /// Draw each line as the band its glyphs run along (`renderBand`) instead of the glyphs alone.
    var drawsBand = false
    /// A glyph's box is at least this tall for its width (`isGlyphLike`).
    var minimumTallness = 0.9
    /// In a tight crop: datasets resize their crops to one size (LPRNet's 94×24), which stretches a plate
    /// cut with some of the vehicle above and below it sideways, and its tilt widens every glyph's box, so
    /// `W`, `M` and tilted digits come out wider than tall. Held-out Chinese crops 260 → 265 (0.85: 261,
    /// 0.75: 264, 0.7: 264), Vietnamese and US unchanged. Not in located regions, where plates keep their shape.
    static let tightMinimumTallness = 0.8
    public init(dropsEmblems: Bool = false, freesEndGlyphs: Bool = true) {
        self.dropsEmblems = dropsEmblems
        self.freesEndGlyphs = freesEndGlyphs
    }

    public struct Line: Sendable {
        public var image: LumaImage
        /// Number of character-sized glyphs found on the line.
        public var glyphs: Int
        /// Blobs drawn on the line that are at least about half as tall as its glyphs: characters, a '1'
        /// too thin to pass for a glyph, the parts of a Hanzi; not separators.
        public var characters: Int { characterSpans.count }
        /// Where those blobs are in `image`, left to right (left, right).
        public var characterSpans: [(left: Int, right: Int)] = []
        /// Box of the line inside the crop.
        public var box: PixelRect
        /// Slope of the glyphs' centre line (dy/dx) before the line was straightened.
        public var tilt: Double = 0
        /// Median height of the line's glyphs in the picture it was cut from, in pixels.
        public var glyphHeight = 0

        /// The glyphs as cut (black on white, straightened, before scaling) and their blobs' spans there:
        /// what `drawn(glyphHeight:)` draws from.
        var ink = LumaImage(width: 1, height: 1, fill: 255)
        var inkSpans: [(left: Int, right: Int)] = []
        /// Median glyph height in `ink`.
        var inkGlyphHeight = 1

        /// The line drawn again from its cut glyphs with glyphs `target` pixels tall, its character spans with it.
        public func drawn(glyphHeight target: Int) -> Line {
            var line = self
            let scale = Double(target) / Double(inkGlyphHeight)
            let scaled = Resample.bilinear(ink, width: max(1, Int(Double(ink.width) * scale)), height: max(1, Int(Double(ink.height) * scale)))
            let pad = target / 3
            line.image = Resample.pad(scaled, by: pad, fill: 255)
            line.characterSpans = inkSpans.map { (left: Int(Double($0.left) * scale) + pad, right: Int(Double($0.right) * scale) + pad) }
            return line
        }
    }

    /// - Parameter tight: the picture is cut to the plate's text (many datasets' crops), not a located
    ///   region with a margin. Its glyphs touch the edge and would be taken for the border, so the edge
    ///   pixels are repeated outwards first, and a plate only ~20 px tall is enlarged before binarising
    ///   (its strokes break apart otherwise). On located regions both lose plates: their edges cut through
    ///   the vehicle and the plate frame (bundled clips: 52 → 43 of 56 vehicles with them on).
    public func lines(in original: LumaImage, tight: Bool = false) -> [Line] {
        cuts(in: original, tight: tight).first ?? []
    }

    /// The ways to cut `original`, best guess first; the reader reads each and keeps the longest plate, then
    /// the surest. A located region has one. A tight crop is padded so that a glyph cut by the crop's edge
    /// ends at the padding, not in it, and the padding can be two things:
    /// - the rim's commonest value (first): a crop cut inside the plate has background there, and a crop
    ///   cut around the plate's frame has the frame there, so the frame joins the padding and is dropped as
    ///   touching the edge, with any glyph that touches the frame;
    /// - the plate's background, the majority class of the centre (ink is the minority on every plate):
    ///   glyphs that touch a dark rim stay, and the frame is cleared as runs of ink (`clearFrameRuns`). Its
    ///   leftover corners make this cut the worse one where the first fits (held-out Vietnamese crops:
    ///   121 plates as the only cut against 129 for the rim's), so it comes second.
    ///
    /// A tight crop whose rows tilt has a third cut, levelled by that tilt; one whose frame rows move the padded
    /// crop's threshold, a cut at the threshold of the plate's own middle; every tight crop, a last cut against
    /// each pixel's neighbourhood. Before them all may come the first cut's lines drawn as the bands they run
    /// along (`renderBand`), where those hold more characters.
    ///
    /// - Parameter lastResort: instead, the one cut for a picture none of those read. A tight crop's has thin
    ///   printed lines cleared first (`removeThinStrokes`). Read only then: where another cut reads, its read
    ///   and this one's differ about as often for the better as for the worse (held-out crops, read among the
    ///   others: Vietnamese −2, Chinese +4, US +2; read last: Chinese +4, no other change).
    ///   A located region's splits the light side of its threshold again (`splitsLight`) for dark glyphs,
    ///   where at least a plate's five come out: a small plate with much dark vehicle around it has the region's
    ///   threshold between vehicle and plate, and its grey glyphs (blurred, or lit flat) go with the plate
    ///   (EU photos: Slovak `RK-959AF`, 25 px tall in a 164×56 region, no glyph cut). EU photos 76 → 78,
    ///   wrong reads 31 → 29, about 80 → 85 ms a photo; parking frames 39 unchanged (one no-read became a
    ///   wrong read); the crop sets unchanged. Photos only: video frames read the first cut that reads
    ///   (`PlateReader.firstRead`) and other frames of the vehicle come.
    public func cuts(in original: LumaImage, tight: Bool = false, lastResort: Bool = false) -> [[Line]] {
        guard original.width >= 16, original.height >= 8 else { return [] }
        if tight, minimumTallness != Self.tightMinimumTallness {
            var widened = self
            widened.minimumTallness = Self.tightMinimumTallness
            return widened.cuts(in: original, tight: true, lastResort: lastResort)
        }
        // A large picture is cut at `largestCutHeight`: its glyphs stay 70 px tall or more, and cutting (Otsu,
        // labelling, levelling by rotation) costs by the pixel.
        var original = original
        var shrink = 1.0
        if original.height > Self.largestCutHeight {
            shrink = Double(original.height) / Double(Self.largestCutHeight)
            original = Resample.area(original, width: max(16, Int(Double(original.width) / shrink)), height: Self.largestCutHeight)
        }
        guard tight else {
            if lastResort {
                var plateWhite = self
                plateWhite.splitsLight = true
                let lines = plateWhite.deskewed(original, darkInk: true).lines
                return Self.glyphs(lines) >= 5 ? Self.restored([lines], shrink: shrink, factor: 1, pad: 0) : []
            }
            // A region with more dark vehicle than white plate turns the polarity guess around, and the gaps
            // between dark glyphs then pass for glyphs (EU photos: `RK-828AG` on a dark car): the other
            // polarity is a second cut when it finds a plate's worth of glyphs.
            let first = deskewed(original)
            var cuts = [first.lines]
            if first.doubtful {
                let other = deskewed(original, darkInk: !first.darkInk)
                if Self.glyphs(other.lines) >= 5 { cuts.append(other.lines) }
            }
            return Self.restored(cuts.filter { !$0.isEmpty }, shrink: shrink, factor: 1, pad: 0)
        }
        let factor = original.height < 48 ? min(4, (48 + original.height - 1) / original.height) : 1
        let source = factor == 1 ? original
            : Resample.bilinear(original, width: original.width * factor, height: original.height * factor)
        let pad = max(2, source.height / 8)
        var rim = [Int](repeating: 0, count: 256)
        for x in 0..<source.width { rim[Int(source[x, 0])] += 1; rim[Int(source[x, source.height - 1])] += 1 }
        for y in 0..<source.height { rim[Int(source[0, y])] += 1; rim[Int(source[source.width - 1, y])] += 1 }
        var seen = 0
        let half = (2 * (source.width + source.height)) / 2
        let rimFill = UInt8(rim.firstIndex { seen += $0; return seen >= half } ?? 128)
        let centre = Self.centre(of: source)
        if lastResort {
            var opened = self
            opened.removesThinStrokes = true
            return Self.restored([opened.deskewed(Resample.pad(source, by: pad, fill: rimFill)).lines].filter { !$0.isEmpty },
                                 shrink: shrink, factor: factor, pad: pad)
        }
        let t = otsuThreshold(source, region: centre)
        var dark: [UInt8] = [], light: [UInt8] = []
        for y in centre.y..<centre.maxY { for x in centre.x..<centre.maxX { let v = source[x, y]; if v < t { dark.append(v) } else { light.append(v) } } }
        let majority = (dark.count > light.count ? dark : light).sorted()
        let background = majority.isEmpty ? t : majority[majority.count / 2]
        let padded = Resample.pad(source, by: pad, fill: rimFill)
        let firstCut = deskewed(padded)
        var cuts = [firstCut.lines]
        // The band the first cut's glyphs run along, drawn whole, goes first where it holds more character
        // blobs than the glyphs chosen: a glyph lost to the frame, to a plate's artwork or to a neighbour it
        // touches (`1435·GK` read `435GK`, `59P-189.73` for `189.739`). Its reads vote with the others', so
        // a band that gains only a frame edge is outvoted. Held-out crops: Vietnamese 174 → 180, US 26 → 28,
        // Chinese unchanged (265); as a last cut, read whatever the first read, 180, 27 and 264 at 1.5 times
        // the time; first on every crop, 178, 28 and 261.
        var band = self
        band.drawsBand = true
        let banded = band.deskewed(padded).lines
        if let first = cuts.first, banded.count == first.count, Self.characters(banded) > Self.characters(first) {
            cuts.insert(banded, at: 0)
        }
        // Close fills give the same cut.
        if abs(Int(background) - Int(rimFill)) > 32 {
            cuts.append(deskewed(Resample.pad(source, by: pad, fill: background), padding: pad).lines)
        }
        // Levelled by the tilt of the whole crop's rows, not of the glyphs the first cut found: in the small
        // Chinese crops the tilted text runs into the frame's top edge, and the glyphs lost there left the
        // found ones too few to tilt by (held-out Chinese crops 205 → 213, 4 more wrong; Vietnamese +1).
        let slope = Self.rowProfileSlope(source, threshold: t)
        if abs(slope) >= 0.035 {
            cuts.append(cut(Resample.rotated(Resample.pad(source, by: pad, fill: background), radians: -atan(slope)), padding: pad).lines)
        }
        // The padded crop's middle reaches nearer its top and bottom than the plate's own middle does, into
        // the frame rows of a crop cut around its frame: where that moves the threshold, the plate's text
        // and background are split at the plate's own, in one more cut before the local one (`lprnet_0426`'s
        // white glyphs on a light plate: the frame's dark pulled the threshold below the background).
        // Held-out crops: Chinese 265 → 270, Vietnamese 179 → 181, US 31 unchanged; the threshold from the
        // plate's middle for the first cut instead: 262, 181, 28. Shifts over 0, 16 and 24 grey levels:
        // 272/180/29, 267/181/31, 267/181/31.
        let plate = PixelRect(x: pad, y: pad, width: source.width, height: source.height)
        if abs(Int(firstCut.threshold) - Int(t)) > Self.frameThresholdShift {
            cuts.append(deskewed(padded, plate: plate).lines)
        }
        // Last, a cut binarised against each pixel's neighbourhood: one threshold for the whole crop loses the
        // half of a plate in shadow or glare, and the small Chinese crops are lit unevenly along their tilt
        // (held-out crops: Chinese 213 → 242, Vietnamese 154 → 161, US 17 → 21; wrong reads 55 → 62, 35 → 40,
        // 23 → 24). Not first, nor alone: the model learnt globally thresholded lines, and as the only cut it
        // read 130 Vietnamese and 168 Chinese crops. Not in frames: on the EU photos it gained 1 plate for 5
        // more wrong ones and doubled OCR per candidate p95 (19 → 37 ms).
        var local = self
        local.localThreshold = true
        cuts.append(local.deskewed(Resample.pad(source, by: pad, fill: background), padding: pad).lines)
        return Self.restored(cuts.filter { !$0.isEmpty }, shrink: shrink, factor: factor, pad: pad)
    }

    /// Lines cut from a picture shrunk by `shrink` or enlarged by `factor` (one of them is 1) and padded by
    /// `pad`, with their boxes back in the original picture's pixels (dividing last keeps an enlarged
    /// crop's coordinates exact).
    static func restored(_ cuts: [[Line]], shrink: Double, factor: Int, pad: Int) -> [[Line]] {
        guard shrink != 1 || factor != 1 || pad != 0 else { return cuts }
        func back(_ v: Int) -> Int { Int(Double(v) * shrink / Double(factor)) }
        return cuts.map { lines in
            lines.map { line in
                var line = line
                line.box = PixelRect(x: back(line.box.x - pad), y: back(line.box.y - pad), width: back(line.box.width), height: back(line.box.height))
                line.glyphHeight = Int(Double(line.glyphHeight) * shrink)
                return line
            }
        }
    }

    /// The height a taller picture is shrunk to before it is cut. Held-out Vietnamese crops (760×560):
    /// 149 → 65 ms a crop on the Intel machine, 161 → 162 plates read; 260: 159 plates in 74 ms; 140: 160;
    /// 100: 155. The reader draws each line at `targetGlyphHeight` whatever the size it was cut at.
    static let largestCutHeight = 200

    /// Grey levels the frame rows may move a tight crop's threshold before the plate's own is cut too.
    static let frameThresholdShift = 8

    /// How far from half the centre's dark share may be for the polarity guess to count as doubtful.
    static let doubtfulShare = 0.2

    static func glyphs(_ lines: [Line]) -> Int { lines.reduce(0) { $0 + $1.glyphs } }
    static func characters(_ lines: [Line]) -> Int { lines.reduce(0) { $0 + $1.characters } }

    /// The slope (dy/dx) at which the picture's rows are most sharply inked or blank: the tilt of its text
    /// lines and frame edges together, found even where the glyphs themselves were lost to the frame.
    public static func rowProfileSlope(_ image: LumaImage, threshold t: UInt8) -> Double {
        var dark = 0
        for v in image.pixels where v < t { dark += 1 }
        let inkIsDark = dark * 2 < image.pixels.count
        // The ink's rows, column by column: a column's points all move by the same slope × x.
        var columns = (0..<image.width).map { (by: Double($0), at: [Int]()) }
        for y in 0..<image.height { for x in 0..<image.width where (image[x, y] < t) == inkIsDark { columns[x].at.append(y) } }
        let margin = Int(0.2 * Double(image.width)) + 1
        var best = (slope: 0.0, score: 0)
        for step in -20...20 {
            let slope = Double(step) * 0.01
            let score = piling(columns, shear: slope, into: image.height + 2 * margin, offset: margin)
            if score > best.score || (score == best.score && abs(slope) < abs(best.slope)) { best = (slope, score) }
        }
        return best.slope
    }

    /// How sharply points pile up when each moves from `at` by `shear × by` into one of `size` bins (Σ count²):
    /// the profile that undoes a slant or a tilt piles up most. Points come grouped by `by`, so that each
    /// group's move is rounded once (the two searches were a fifth of `cut-lines`' time in `perf`, much of it
    /// in rounding each point's move).
    static func piling(_ groups: [(by: Double, at: [Int])], shear: Double, into size: Int, offset: Int) -> Int {
        var counts = [Int](repeating: 0, count: size)
        for group in groups where !group.at.isEmpty {
            let base = offset - Int((shear * group.by).rounded())
            for at in group.at { counts[at + base] += 1 }
        }
        return counts.reduce(0) { $0 + $1 * $1 }
    }

    /// The middle two thirds each way, where a crop is plate whatever its edges cut through.
    static func centre(of image: LumaImage) -> PixelRect {
        centre(of: PixelRect(x: 0, y: 0, width: image.width, height: image.height))
    }

    static func centre(of area: PixelRect) -> PixelRect {
        PixelRect(x: area.x + area.width / 6, y: area.y + area.height / 6,
                  width: area.width * 2 / 3, height: area.height * 2 / 3)
    }

    /// Shifting blobs onto the centre line straightens a line but leaves each glyph tilted, which
    /// Tesseract reads badly past a few degrees: a clearly tilted plate is rotated level and cut again.
    /// `darkInk` forces the polarity; nil: the one `cut` chooses. `plate`: where the plate is in a padded
    /// crop, whose middle then sets the threshold; nil: the whole crop's.
    private func deskewed(_ crop: LumaImage, padding: Int = 0, darkInk: Bool? = nil,
                          plate: PixelRect? = nil) -> Polarised {
        let first = cut(crop, padding: padding, darkInk: darkInk, plate: plate)
        guard let tilt = first.lines.max(by: { $0.glyphs < $1.glyphs })?.tilt, abs(atan(tilt)) > 2.5 * .pi / 180 else { return first }
        let level = cut(Resample.rotated(crop, radians: -atan(tilt)), padding: padding, darkInk: first.darkInk,
                        plate: plate)
        return level.lines.isEmpty ? first
            : Polarised(lines: level.lines, darkInk: first.darkInk, doubtful: first.doubtful, threshold: first.threshold)
    }

    /// A cut's lines, the polarity they were cut with, whether the centre was too evenly dark and light
    /// for the guess to be sure, and the threshold of the picture as given (before any levelling).
    struct Polarised {
        var lines: [Line]
        var darkInk: Bool
        var doubtful = false
        var threshold: UInt8
    }

    /// Binarises with Otsu over the centre and cuts lines, for the polarity the centre suggests (ink is the
    /// minority on every plate) and, when that finds no good line, for the other one: a located region
    /// can hold more dark vehicle than white plate, which turns the guess around.
    private func cut(_ crop: LumaImage, padding: Int, darkInk forced: Bool? = nil,
                     plate: PixelRect? = nil) -> Polarised {
        let centre = plate.map { Self.centre(of: $0) } ?? Self.centre(of: crop)
        var t = otsuThreshold(crop, region: centre)
        if splitsLight { t = otsuThreshold(crop, region: centre, above: t) }
        if let forced { return Polarised(lines: cut(crop, threshold: t, darkInk: forced, padding: padding).lines, darkInk: forced, threshold: t) }
        var darkInCentre = 0
        for y in centre.y..<centre.maxY { for x in centre.x..<centre.maxX where crop[x, y] < t { darkInCentre += 1 } }
        let guess = darkInCentre * 2 < centre.area
        let doubtful = abs(Double(darkInCentre) / Double(max(1, centre.area)) - 0.5) < Self.doubtfulShare
        let first = cut(crop, threshold: t, darkInk: guess, padding: padding)
        // Glyphs over all the lines: a 2-line motorbike plate has only four on each, and the wrong polarity
        // finds about as many "glyphs" in the gaps between characters.
        if Self.glyphs(first.lines) >= 5 { return Polarised(lines: first.lines, darkInk: guess, doubtful: doubtful, threshold: t) }
        let other = cut(crop, threshold: t, darkInk: !guess, padding: padding)
        return Self.glyphs(other.lines) > Self.glyphs(first.lines) ? Polarised(lines: other.lines, darkInk: !guess, doubtful: doubtful, threshold: t)
            : Polarised(lines: first.lines, darkInk: guess, doubtful: doubtful, threshold: t)
    }

    /// The lines for one polarity, and the glyph count of the longest.
    private func cut(_ crop: LumaImage, threshold t: UInt8, darkInk: Bool, padding: Int) -> (lines: [Line], first: Line?) {
        var mask = localThreshold ? Self.localMask(crop, threshold: t, darkInk: darkInk)
            : LumaImage(width: crop.width, height: crop.height, pixels: crop.pixels.map { (darkInk ? $0 < t : $0 >= t) ? 255 : 0 })
        if removesThinStrokes { Self.removeThinStrokes(&mask) }
        Self.clearFrameRuns(&mask, padding: padding)
        var labeling = ComponentLabeling(mask)
        if splitMergedGlyphs(&mask, labeling: labeling, crop: crop) { labeling = ComponentLabeling(mask) }
        guard let chosen = chooseLines(labeling, crop: crop) else { return ([], nil) }
        var drawn = (lines: chosen.lines, extras: chosen.all, labeling: labeling)
        // A glyph that touches the plate frame at a line's end is lost with the frame (`268.10` read `6810`,
        // which still fits the older 4-digit layout): cut the frame away around where that glyph would be
        // and keep the cut when it finds more glyphs.
        if freesEndGlyphs, detachEndGlyphs(&mask, lines: chosen.lines) {
            let again = ComponentLabeling(mask)
            if let more = chooseLines(again, crop: crop),
               more.lines.reduce(0, { $0 + $1.count }) > chosen.lines.reduce(0, { $0 + $1.count }),
               Self.addsOnlyFullGlyphs(more.lines, to: chosen.lines) {
                // Other pieces the cut freed beyond the old ends are frame, not separators.
                let glyphs = chosen.lines.flatMap { $0 }
                let (left, right) = (glyphs.map(\.box.x).min()!, glyphs.map(\.box.maxX).max()!)
                let kept = Set(more.lines.flatMap { $0 }.map(\.label))
                let extras = more.all.filter { kept.contains($0.label) || ($0.box.x >= left && $0.box.maxX <= right) }
                drawn = (more.lines, extras, again)
            }
        }
        // Drawn once, from whichever labelling won: freeing glyphs changes the mask, not a labelling made before.
        let lines = drawn.lines.map {
            drawsBand ? renderBand($0, mask: mask) : render($0, extras: drawn.extras, labeling: drawn.labeling)
        }
        return (lines, lines.max { $0.glyphs < $1.glyphs })
    }

    /// The registration's line (and its partner on a 2-line plate), top first, with every blob not touching
    /// the edge for separators and Hanzi parts.
    private func chooseLines(_ labeling: ComponentLabeling, crop: LumaImage) -> (lines: [[Component]], all: [Component])? {
        let all = labeling.components.filter { !touchesEdge($0.box, crop) }
        let groups = groupIntoLines(all.filter { isGlyphLike($0, crop) })
        // The registration is the plate's largest text: a US plate's state name or slogan can have as many
        // letters, never as tall ones.
        func weight(_ g: [Component]) -> Int { g.count * g.map(\.box.height).sorted()[g.count / 2] }
        guard let main = groups.filter({ $0.count >= 3 }).max(by: { weight($0) < weight($1) }) else { return nil }
        return (plateLines(of: main, among: groups), all)
    }

    /// Whether every glyph `after` has beyond the ends of `before`'s lines is as tall and at least half as
    /// wide as the line's others: a freed glyph, not a sliver of the frame's side left standing.
    static func addsOnlyFullGlyphs(_ after: [[Component]], to before: [[Component]]) -> Bool {
        let left = before.flatMap { $0 }.map(\.box.x).min() ?? 0, right = before.flatMap { $0 }.map(\.box.maxX).max() ?? 0
        for line in after {
            let height = line.map(\.box.height).sorted()[line.count / 2], width = line.map(\.box.width).sorted()[line.count / 2]
            for c in line where c.box.maxX <= left || c.box.x >= right {
                guard c.box.height * 5 >= height * 4, c.box.height * 10 <= height * 11, c.box.width * 2 >= width,
                      c.pixelCount * 10 >= c.box.area * 3 else { return false }
            }
        }
        return true
    }

    /// Frees a glyph the frame holds at either end of each line: in a window one glyph and gap beyond the
    /// line's end, clears the rows just above and below the line's band (the frame's top and bottom) and
    /// the columns inked across the whole band (the frame's side: a glyph is 10 % shorter than the band at
    /// each end, so no glyph stroke is cleared). Returns whether any ink was cleared.
    func detachEndGlyphs(_ mask: inout LumaImage, lines: [[Component]]) -> Bool {
        var changed = false
        for line in lines where line.count >= 2 {
            let measured = measures(line)
            let (sorted, fit, half) = (measured.glyphs, measured.fit, measured.halfBand)
            let reach = measured.gap + measured.width * 3 / 2
            let windows = [max(0, sorted[0].box.x - reach)..<max(0, sorted[0].box.x - 1),
                           min(mask.width, sorted[sorted.count - 1].box.maxX + 1)..<min(mask.width, sorted[sorted.count - 1].box.maxX + reach)]
            func band(_ x: Int) -> ClosedRange<Int>? {
                let centre = fit.a + fit.b * Double(x)
                let top = Int((centre - half).rounded(.down)), bottom = Int((centre + half).rounded(.up))
                return top >= 1 && bottom < mask.height - 1 ? top...bottom : nil
            }
            for (end, window) in windows.enumerated() where !window.isEmpty {
                // The side is found before anything is cleared, within a pixel either way: a side that
                // leans a little still counts. Held-out Chinese crops +4, Vietnamese −1 against the column alone.
                let sides = Set(window.filter { x in
                    guard let rows = band(x) else { return false }
                    let near = max(0, x - 1)...min(mask.width - 1, x + 1)
                    return rows.allSatisfy { y in near.contains { mask[$0, y] != 0 } }
                })
                // Only on 2-line plates, whose lower line runs close to the frame's rounded corners: held-out
                // Vietnamese crops 166 → 169, no read lost, wrong reads 38 → 34; on every plate it also
                // changed Chinese reads, 1 for the better and 4 for the worse (one-line crops, 94×24 px).
                if lines.count == 2, let rows = band((window.lowerBound + window.upperBound) / 2) {
                    changed = Self.clearOutsideRuns(&mask, window: window, rows: rows, fromLeft: end == 0) || changed
                }
                for x in window {
                    guard let rows = band(x) else { continue }
                    let cleared = sides.contains(x) ? Array(rows.lowerBound - 1...rows.upperBound + 1)
                        : [rows.lowerBound - 1, rows.lowerBound, rows.upperBound, rows.upperBound + 1]
                    for y in cleared where mask[x, y] != 0 { mask[x, y] = 0; changed = true }
                }
            }
        }
        return changed
    }

    /// Clears, row by row across a line's band, the ink that enters an end window from its outer edge (the
    /// dark outside of a plate whose frame is thin there, or the frame itself) as deep as it reaches in the
    /// rows around: a glyph that the outside touches in a few rows (the lower line's first digit of a
    /// motorbike plate at the rounded corner) is then left on its own. Returns whether any ink was cleared.
    static func clearOutsideRuns(_ mask: inout LumaImage, window: Range<Int>, rows: ClosedRange<Int>, fromLeft: Bool) -> Bool {
        func x(_ n: Int) -> Int { fromLeft ? window.lowerBound + n : window.upperBound - 1 - n }
        let depths: [Int?] = rows.map { y in
            guard mask[x(0), y] != 0 else { return nil }
            var n = 0
            while n < window.count && mask[x(n), y] != 0 { n += 1 }
            return n
        }
        // The outside must enter across most of the band: else the window's edge is plate, or a glyph.
        guard depths.compactMap({ $0 }).count * 2 >= depths.count else { return false }
        let reach = max(1, rows.count / 4)
        var changed = false
        for (i, y) in rows.enumerated() {
            guard let depth = depths[i] else { continue }
            // Where a glyph joins the outside, the run goes on into it: the rows around say how deep the
            // outside itself reaches.
            let around = depths[max(0, i - reach)...min(depths.count - 1, i + reach)].compactMap { $0 }.sorted()
            for n in 0..<min(depth, around[around.count / 2]) { mask[x(n), y] = 0; changed = true }
        }
        return changed
    }

    /// Plate frames run the width of the plate; glyphs that touch one (motorbike plates are cut close to
    /// their frame, blur closes the gap) merge with it, the frame with the vehicle around it, and the whole
    /// line is lost as one edge-touching blob. No glyph row has ink across a third of the crop, so such runs
    /// are frame: clearing them frees the glyphs at the cost of a row of the glyph that touched. The frame's
    /// sides are cleared the same way: no glyph stroke spans 4/5 of the crop's height (without the `padding`
    /// a tight crop was given, which no stroke can reach).
    static func clearFrameRuns(_ mask: inout LumaImage, padding: Int = 0) {
        let (w, h) = (mask.width, mask.height)
        let row = { (y: Int, x: Int) in y * w + x }, column = { (x: Int, y: Int) in y * w + x }
        for (y, run) in inkRuns(mask, count: h, length: w, index: row) where run.count >= w / 3 { for x in run { mask.pixels[row(y, x)] = 0 } }
        let limit = max(1, (h - 2 * padding) * 4 / 5)
        for (x, run) in inkRuns(mask, count: w, length: h, index: column) where run.count >= limit { for y in run { mask.pixels[column(x, y)] = 0 } }
    }

    /// The runs of ink along each of `count` lines of `length` pixels, pixel `i` of line `l` at `index(l, i)`.
    static func inkRuns(_ mask: LumaImage, count: Int, length: Int, index: (Int, Int) -> Int) -> [(line: Int, run: Range<Int>)] {
        var runs: [(line: Int, run: Range<Int>)] = []
        for line in 0..<count {
            var start = 0
            while start < length {
                guard mask.pixels[index(line, start)] != 0 else { start += 1; continue }
                var end = start
                while end < length && mask.pixels[index(line, end)] != 0 { end += 1 }
                runs.append((line, start..<end))
                start = end
            }
        }
        return runs
    }

    /// Clears ink that is thinner, across or along, than half the typical stroke: the thin lines printed on
    /// many plates (a state's outline, a slogan's underline, a frame's inner edge) that touch the glyphs and
    /// join them into one blob. A pixel stays when both its horizontal and its vertical ink run are at least
    /// half a stroke long, so glyph strokes in any direction keep their core. The typical stroke is the
    /// median horizontal run across the picture; below 6 px strokes nothing is cleared (thin lines cannot
    /// then be told from strokes).
    static func removeThinStrokes(_ mask: inout LumaImage) {
        let (w, h) = (mask.width, mask.height)
        let rows = inkRuns(mask, count: h, length: w) { y, x in y * w + x }
        let strokes = rows.map(\.run.count).filter { $0 < h / 4 }.sorted()
        guard !strokes.isEmpty else { return }
        let least = strokes[strokes.count / 2] / 2
        guard least >= 3 else { return }
        var keep = [Bool](repeating: false, count: w * h)
        for (y, run) in rows where run.count >= least { for x in run { keep[y * w + x] = true } }
        for (x, run) in inkRuns(mask, count: w, length: h, index: { x, y in y * w + x }) where run.count < least {
            for y in run { keep[y * w + x] = false }
        }
        for i in 0..<(w * h) where !keep[i] { mask.pixels[i] = 0 }
    }

    /// Neighbouring glyphs that blur or a separator joins ("59" as one blob, "9-H" through the dash) are too
    /// wide for a glyph but as tall as one: each is cut at the columns with least ink, one cut per extra
    /// glyph its width holds. Returns whether anything was cut (the mask must then be labelled again).
    func splitMergedGlyphs(_ mask: inout LumaImage, labeling: ComponentLabeling, crop: LumaImage) -> Bool {
        let singles = labeling.components.filter { !touchesEdge($0.box, crop) && isGlyphLike($0, crop) }
        guard singles.count >= 2 else { return false }
        let height = singles.map(\.box.height).sorted()[singles.count / 2]
        let width = singles.map(\.box.width).sorted()[singles.count / 2]
        var cut = false
        for c in labeling.components where !touchesEdge(c.box, crop) {
            let b = c.box
            guard Double(b.height) >= Double(height) * 0.8, Double(b.height) <= Double(height) * 1.3,
                  Double(b.width) > Double(width) * 1.6, b.width < height * 5 else { continue }
            // Ink per column of this blob only.
            var ink = [Int](repeating: 0, count: b.width)
            for y in b.y..<b.maxY { for x in b.x..<b.maxX where labeling.labels[y * labeling.width + x] == c.label { ink[x - b.x] += 1 } }
            let pieces = max(2, Int((Double(b.width) / (Double(width) * 1.15)).rounded()))
            for k in 1..<pieces {
                // The weakest column near where the k-th glyph boundary would fall.
                let centre = b.width * k / pieces, reach = max(1, b.width / (pieces * 3))
                let range = max(1, centre - reach)..<min(b.width - 1, centre + reach)
                guard let column = range.min(by: { ink[$0] < ink[$1] }) else { continue }
                for y in b.y..<b.maxY where labeling.labels[y * labeling.width + b.x + column] == c.label {
                    mask.pixels[y * mask.width + b.x + column] = 0
                }
                cut = true
            }
        }
        return cut
    }

    private func touchesEdge(_ b: PixelRect, _ crop: LumaImage) -> Bool {
        b.x == 0 || b.y == 0 || b.maxX == crop.width || b.maxY == crop.height
    }

    private func isGlyphLike(_ c: Component, _ crop: LumaImage) -> Bool {
        let b = c.box
        guard b.height >= 7, b.height <= crop.height * 9 / 10, b.width >= 1 else { return false }
        let tall = Double(b.height) / Double(b.width)
        guard tall >= minimumTallness, tall <= 9 else { return false }
        let fill = Double(c.pixelCount) / Double(b.area)
        return fill >= 0.12 && fill <= 0.95
    }

    /// The line's box with its top and bottom at its glyphs' median top and bottom: a frame piece taken
    /// into the line (a side rising past the glyphs) does not stretch it.
    private func band(of line: [Component]) -> PixelRect {
        let b = box(of: line)
        let tops = line.map(\.box.y).sorted(), bottoms = line.map(\.box.maxY).sorted()
        let (y0, y1) = (tops[tops.count / 2], bottoms[bottoms.count / 2])
        return PixelRect(x: b.x, y: y0, width: b.width, height: max(1, y1 - y0))
    }

    private func box(of line: [Component]) -> PixelRect {
        let x0 = line.map(\.box.x).min()!, y0 = line.map(\.box.y).min()!
        let x1 = line.map(\.box.maxX).max()!, y1 = line.map(\.box.maxY).max()!
        return PixelRect(x: x0, y: y0, width: x1 - x0, height: y1 - y0)
    }

    /// Glyphs of one line follow each other left to right at a similar height, each centre near its
    /// neighbour's: chaining neighbours (not one global row) keeps a tilted line together, and the two
    /// lines of a 2-line plate apart.
    private func groupIntoLines(_ glyphs: [Component]) -> [[Component]] {
        var lines: [[Component]] = []
        for g in glyphs.sorted(by: { $0.box.x < $1.box.x }) {
            let cy = Double(g.box.y) + Double(g.box.height) / 2
            var best: (index: Int, distance: Double)?
            for (i, line) in lines.enumerated() {
                let last = line[line.count - 1].box
                let h = Double(last.height)
                let lcy = Double(last.y) + h / 2
                let ratio = Double(g.box.height) / h
                let gap = Double(g.box.x - last.maxX)
                guard abs(cy - lcy) < h * 0.4, ratio > 0.65, ratio < 1.5, gap < h * 1.5, gap > -h * 0.3 else { continue }
                if best == nil || abs(cy - lcy) < best!.distance { best = (i, abs(cy - lcy)) }
            }
            if let best { lines[best.index].append(g) } else { lines.append([g]) }
        }
        return lines.filter { $0.count >= 2 }
    }

    /// A line's glyphs left to right, with what freeing its end glyphs and drawing its band both measure.
    struct Measures {
        var glyphs: [Component]
        var fit: (a: Double, b: Double)
        /// Median glyph height and width, median gap between neighbours (0 for one glyph).
        var height: Int, width: Int, gap: Int
        /// Half the height of the band the glyphs run along: a glyph is a tenth shorter than it at each end.
        var halfBand: Double { Double(height) * 0.6 }
    }

    private func measures(_ line: [Component]) -> Measures {
        let sorted = line.sorted { $0.box.x < $1.box.x }
        let gaps = zip(sorted, sorted.dropFirst()).map { max(0, $1.box.x - $0.box.maxX) }.sorted()
        return Measures(glyphs: sorted, fit: centreLine(sorted),
                        height: sorted.map(\.box.height).sorted()[sorted.count / 2],
                        width: sorted.map(\.box.width).sorted()[sorted.count / 2],
                        gap: gaps.isEmpty ? 0 : gaps[gaps.count / 2])
    }

    /// Least-squares centre line of a line's glyphs: y = a + b·x. b is the tilt the render removes.
    private func centreLine(_ line: [Component]) -> (a: Double, b: Double) {
        let xs = line.map { Double($0.box.x) + Double($0.box.width) / 2 }
        let ys = line.map { Double($0.box.y) + Double($0.box.height) / 2 }
        let n = Double(line.count), mx = xs.reduce(0, +) / n, my = ys.reduce(0, +) / n
        let sxx = zip(xs, xs).map { ($0 - mx) * ($1 - mx) }.reduce(0, +)
        let sxy = zip(xs, ys).map { ($0 - mx) * ($1 - my) }.reduce(0, +)
        // Tilt beyond ±15° is not a plate line PlateWatch reads; clamp so one stray glyph cannot skew it.
        let b = sxx > 0 ? max(-0.27, min(0.27, sxy / sxx)) : 0
        return (my - b * mx, b)
    }

    /// `main` with the other line of a 2-line plate where there is one (directly above or below, about as
    /// tall, overlapping in x), top first. Lines are measured by their glyphs' median top and bottom (`band`):
    /// a frame side drawn into a line as one more blob rose past the other line's glyphs, and the two lines
    /// were read as two 1-line plates (`20-M5` / `474.2` read `4743`, no plate).
    private func plateLines(of main: [Component], among groups: [[Component]]) -> [[Component]] {
        let m = band(of: main)
        var best: (line: [Component], box: PixelRect)?
        for g in groups where g.count >= 2 && g[0].label != main[0].label {
            let b = band(of: g)
            let ratio = Double(b.height) / Double(m.height)
            guard ratio > 0.6, ratio < 1.6 else { continue }
            let gap = b.y >= m.maxY ? b.y - m.maxY : m.y - b.maxY
            guard gap >= 0, gap < m.height else { continue }
            let overlap = min(b.maxX, m.maxX) - max(b.x, m.x)
            guard overlap > min(b.width, m.width) / 2 else { continue }
            if best == nil || g.count > best!.line.count { best = (g, b) }
        }
        guard let partner = best else { return [main] }
        return partner.box.y < m.y ? [partner.line, main] : [main, partner.line]
    }

    /// Draws the line's glyphs black on white, each blob shifted onto the fitted centre line (a shear
    /// that undoes tilt without resampling), scaled to `targetGlyphHeight` and padded.
    private func render(_ line: [Component], extras: [Component], labeling: ComponentLabeling) -> Line {
        let measured = measures(line), lineBox = box(of: line)
        let (fit, height, medianWidth) = (measured.fit, measured.height, measured.width)
        let x0Line = lineBox.x, x1Line = lineBox.maxX
        func centre(_ c: Component) -> (x: Double, y: Double) {
            (Double(c.box.x) + Double(c.box.width) / 2, Double(c.box.y) + Double(c.box.height) / 2)
        }
        // Separators ('-', '.', '·') and parts of a Hanzi are small blobs near the line's centre line.
        let members = extras.filter { c in
            let (cx, cy) = centre(c)
            let offset = cy - (fit.a + fit.b * cx)
            guard abs(offset) < Double(height) * 0.6, c.box.height <= height * 5 / 4,
                  c.box.x >= x0Line - medianWidth * 2, c.box.maxX <= x1Line + medianWidth * 2, c.box.width <= medianWidth * 3 else { return false }
            // A flat blob is a separator only where separators are: '-' and '·' mid-height, '.' at the foot.
            // Flat blobs above the middle, or longer than a glyph is wide, are pieces of the plate frame
            // left where glyphs touched it (the engine reads them as extra characters).
            guard c.box.height * 2 < height else {
                guard dropsEmblems, c.box.height * 5 < height * 4 else { return true }
                let top = fit.a + fit.b * cx - Double(height) / 2
                let clearOfTop = Double(c.box.y) - top > Double(height) * 0.12
                let clearOfBottom = top + Double(height) - Double(c.box.maxY) > Double(height) * 0.12
                return !(clearOfTop && clearOfBottom)
            }
            return offset > -Double(height) * 0.25 && c.box.width <= medianWidth * 3 / 2
        }
        let x0 = members.map(\.box.x).min() ?? x0Line, x1 = members.map(\.box.maxX).max() ?? x1Line
        let margin = height / 4
        let canvasHeight = height + 2 * margin
        var ink = LumaImage(width: x1 - x0, height: canvasHeight, fill: 255)
        for c in members {
            // Each blob moves as a whole so that the centre line at its x lands mid-canvas.
            let shift = Int((fit.a + fit.b * centre(c).x).rounded()) - canvasHeight / 2
            for y in c.box.y..<c.box.maxY {
                let ty = y - shift
                guard ty >= 0, ty < canvasHeight else { continue }
                for x in c.box.x..<c.box.maxX where labeling.labels[y * labeling.width + x] == c.label {
                    ink[x - x0, ty] = 0
                }
            }
        }
        let y0 = members.map(\.box.y).min() ?? 0, y1 = members.map(\.box.maxY).max() ?? 0
        // Blank rows above or below the glyphs make Tesseract read '1' as 'S1': keep only inked rows.
        let rows = (0..<canvasHeight).filter { y in (0..<ink.width).contains { ink[$0, y] == 0 } }
        if let top = rows.first, let bottom = rows.last {
            ink = ink.cropped(to: PixelRect(x: 0, y: top, width: ink.width, height: bottom - top + 1))
        }
        // Each blob sits centred on the canvas's middle row, so the shear about that row leaves blob centres
        // where they were, and the spans below stay right once moved by the columns the shear added.
        let (upright, offset) = Self.deslanted(ink)
        ink = upright
        var line = Line(image: ink, glyphs: line.count, box: PixelRect(x: x0, y: y0, width: x1 - x0, height: y1 - y0),
                        tilt: fit.b, glyphHeight: height)
        line.ink = ink
        line.inkGlyphHeight = height
        line.inkSpans = members.filter { $0.box.height * 2 >= height }.sorted { $0.box.x < $1.box.x }.map { c in
            (left: c.box.x - x0 + offset, right: c.box.maxX - x0 + offset)
        }
        return line.drawn(glyphHeight: targetGlyphHeight)
    }

    /// Draws the band a line's glyphs run along, every inked pixel of it, from one glyph and gap before the
    /// first glyph to one after the last: what the glyph choice dropped (a glyph merged with artwork, the
    /// frame or its neighbour) is drawn too. Columns inked across the whole band are the frame's side (a
    /// glyph is a tenth shorter than the band at each end) and are cleared, as are specks. Blobs as wide as
    /// two glyphs count as two characters, so the blob check of the read (`PlateReader.onePerBlob`) holds.
    private func renderBand(_ line: [Component], mask: LumaImage) -> Line {
        let measured = measures(line)
        let (sorted, fit, half) = (measured.glyphs, measured.fit, measured.halfBand)
        let (height, width) = (measured.height, measured.width)
        let reach = measured.gap + width
        let x0 = max(0, sorted[0].box.x - reach), x1 = min(mask.width, sorted[sorted.count - 1].box.maxX + reach)
        let bandHeight = Int((2 * half).rounded(.up)) + 1
        // Ink as 255, as in the mask, until it is drawn black on white at the end.
        var band = LumaImage(width: x1 - x0, height: bandHeight, fill: 0)
        for x in x0..<x1 {
            let top = Int((fit.a + fit.b * Double(x) - half).rounded())
            for dy in 0..<bandHeight where top + dy >= 0 && top + dy < mask.height && mask[x, top + dy] != 0 {
                band[x - x0, dy] = 255
            }
        }
        for x in 0..<band.width where (0..<bandHeight).allSatisfy({ band[x, $0] != 0 }) {
            for y in 0..<bandHeight { band[x, y] = 0 }
        }
        let labeling = ComponentLabeling(band)
        var ink = LumaImage(width: band.width, height: bandHeight, fill: 255)
        var spans: [(left: Int, right: Int)] = []
        let middle = bandHeight / 4..<bandHeight * 3 / 4
        for c in labeling.components {
            // A speck, or a sliver where something crosses the band's top or bottom edge.
            guard c.box.height * 4 >= height || (c.box.y > 0 && c.box.maxY < bandHeight) else { continue }
            var left = Int.max, right = Int.min
            for y in c.box.y..<c.box.maxY {
                for x in c.box.x..<c.box.maxX where labeling.labels[y * labeling.width + x] == c.label {
                    ink[x, y] = 0
                    if middle.contains(y) { left = min(left, x); right = max(right, x + 1) }
                }
            }
            // Measured across the glyphs' middle rows: artwork joined to a glyph above or below it is no wider glyph.
            guard c.box.height * 2 >= height, right > left else { continue }
            let n = max(1, Int((Double(right - left) / Double(width)).rounded()))
            for k in 0..<n { spans.append((left + (right - left) * k / n, left + (right - left) * (k + 1) / n)) }
        }
        let glyphs = box(of: sorted)
        let lineBox = PixelRect(x: x0, y: glyphs.y, width: x1 - x0, height: glyphs.height)
        var drawn = Line(image: ink, glyphs: line.count, box: lineBox, tilt: fit.b, glyphHeight: height)
        drawn.ink = ink
        drawn.inkGlyphHeight = height
        drawn.inkSpans = spans.sorted { $0.left < $1.left }
        return drawn.drawn(glyphHeight: targetGlyphHeight)
    }

    /// Italic glyphs (a plate photographed from the side, a slanted typeface) read badly: of the shears up
    /// to ±30°, the one that makes the strokes most upright (the column ink profile most peaked, Σ count²)
    /// is undone, when it beats no shear by 3 %. `ink` is black glyphs on white; the result has blank
    /// columns trimmed, and `offset` is how far its columns moved right (negative: left).
    public static func deslanted(_ ink: LumaImage) -> (image: LumaImage, offset: Int) {
        let (w, h) = (ink.width, ink.height)
        guard w > 0, h > 1 else { return (ink, 0) }
        // The ink's columns, row by row: a row's points all move by the same shear × its distance from the middle.
        var rows = (0..<h).map { (by: Double($0) - Double(h) / 2, at: [Int]()) }
        for y in 0..<h { for x in 0..<w where ink[x, y] < 128 { rows[y].at.append(x) } }
        let margin = Int((0.6 * Double(h) / 2).rounded(.up)) + 1
        func score(_ shear: Double) -> Int {
            Self.piling(rows, shear: shear, into: w + 2 * margin, offset: margin)
        }
        let straight = score(0)
        var best = (shear: 0.0, score: straight)
        for step in -12...12 where step != 0 {
            let shear = Double(step) * 0.05
            let value = score(shear)
            if value > best.score { best = (shear, value) }
        }
        guard best.shear != 0, Double(best.score) > Double(straight) * 1.03 else { return (ink, 0) }
        var out = LumaImage(width: w + 2 * margin, height: h, fill: 255)
        for (y, row) in rows.enumerated() {
            let shift = margin - Int((best.shear * row.by).rounded())
            for x in row.at { out[x + shift, y] = 0 }
        }
        var first = out.width, last = -1
        for x in 0..<out.width where (0..<h).contains(where: { out[x, $0] == 0 }) { first = min(first, x); last = x }
        guard last >= first else { return (ink, 0) }
        return (out.cropped(to: PixelRect(x: first, y: 0, width: last - first + 1, height: h)), margin - first)
    }

    /// The leftmost glyph of a rendered line, padded: runs of inked columns from the left until the glyph
    /// is at least about half as wide as the line is tall (a Hanzi may have gaps between its parts, and
    /// plate faces are condensed).
    public func firstGlyph(of line: Line) -> LumaImage? {
        let image = line.image
        let pad = targetGlyphHeight / 3
        var inked = [Bool](repeating: false, count: image.width)
        for x in 0..<image.width { for y in 0..<image.height where image[x, y] < 128 { inked[x] = true; break } }
        guard let start = inked.firstIndex(of: true) else { return nil }
        var x = start
        while x < image.width {
            while x < image.width && inked[x] { x += 1 }
            if x - start >= targetGlyphHeight * 45 / 100 { break }
            while x < image.width && !inked[x] { x += 1 }
        }
        guard x - start >= targetGlyphHeight / 3 else { return nil }
        var top = image.height, bottom = 0
        for yy in 0..<image.height { for xx in start..<x where image[xx, yy] < 128 { top = min(top, yy); bottom = max(bottom, yy); break } }
        guard bottom > top else { return nil }
        let crop = image.cropped(to: PixelRect(x: start, y: top, width: x - start, height: bottom - top + 1))
        // Hanzi are square in the fonts OCR models learn from; a condensed plate face reads as a digit.
        let stretch = min(2.5, max(1, Double(crop.height) / Double(crop.width)))
        let square = Resample.bilinear(crop, width: Int(Double(crop.width) * stretch), height: crop.height)
        return Resample.pad(square, by: pad, fill: 255)
    }

    /// The ink mask against each pixel's neighbourhood (`Kernels.adaptiveThreshold`): a window a third of
    /// the crop's height, and an offset of 15 % of the contrast between the crop's two Otsu classes, so that
    /// flat background stays clear of noise.
    static func localMask(_ crop: LumaImage, threshold t: UInt8, darkInk: Bool) -> LumaImage {
        var sums = (dark: 0, light: 0), counts = (dark: 0, light: 0)
        for v in crop.pixels {
            if v < t { sums.dark += Int(v); counts.dark += 1 } else { sums.light += Int(v); counts.light += 1 }
        }
        let contrast = Double(sums.light) / Double(max(1, counts.light)) - Double(sums.dark) / Double(max(1, counts.dark))
        let offset = UInt8(clamping: max(3, Int(max(0, contrast) * 0.15)))
        return Kernels.adaptiveThreshold(crop, radius: max(2, crop.height / 6), offset: offset, darkInk: darkInk)
    }

    /// Otsu's threshold over `region`: the level that best splits ink from background. `floor`: only the
    /// levels from it up (the light class of a first split, `splitsLight`).
    func otsuThreshold(_ image: LumaImage, region: PixelRect, above floor: UInt8 = 0) -> UInt8 {
        var histogram = [Int](repeating: 0, count: 256)
        for y in region.y..<region.maxY { for x in region.x..<region.maxX { histogram[Int(image[x, y])] += 1 } }
        // Levels below the floor are dropped after counting: the count stays one plain pass for every
        // located region, which almost always asks with no floor.
        for level in 0..<Int(floor) { histogram[level] = 0 }
        let total = Double(histogram.reduce(0, +))
        let sumAll = histogram.enumerated().reduce(0.0) { $0 + Double($1.offset * $1.element) }
        var sumBack = 0.0, weightBack = 0.0, best = 0.0, level = 128
        for t in 0..<256 {
            weightBack += Double(histogram[t])
            guard weightBack > 0 else { continue }
            let weightFore = total - weightBack
            guard weightFore > 0 else { break }
            sumBack += Double(t * histogram[t])
            let meanBack = sumBack / weightBack, meanFore = (sumAll - sumBack) / weightFore
            let between = weightBack * weightFore * (meanBack - meanFore) * (meanBack - meanFore)
            if between > best { best = between; level = t + 1 }
        }
        return UInt8(clamping: level)
    }
}

/// Resizing for OCR input, where quality matters more than speed (a few small images per frame).
public enum Resample {
    public static func bilinear(_ src: LumaImage, width: Int, height: Int) -> LumaImage {
        var out = LumaImage(width: width, height: height)
        guard src.width > 0, src.height > 0 else { return out }
        let sx = Double(src.width) / Double(width), sy = Double(src.height) / Double(height)
        for y in 0..<height {
            let fy = max(0, (Double(y) + 0.5) * sy - 0.5)
            let y0 = min(Int(fy), src.height - 1), y1 = min(y0 + 1, src.height - 1), wy = fy - Double(y0)
            for x in 0..<width {
                let fx = max(0, (Double(x) + 0.5) * sx - 0.5)
                let x0 = min(Int(fx), src.width - 1), x1 = min(x0 + 1, src.width - 1), wx = fx - Double(x0)
                let top = Double(src[x0, y0]) * (1 - wx) + Double(src[x1, y0]) * wx
                let bottom = Double(src[x0, y1]) * (1 - wx) + Double(src[x1, y1]) * wx
                out[x, y] = UInt8(clamping: Int((top * (1 - wy) + bottom * wy).rounded()))
            }
        }
        return out
    }

    /// Shrinks by averaging every source pixel a target pixel covers (each source pixel counted once, by
    /// its centre): no aliasing, whatever the factor.
    public static func area(_ src: LumaImage, width: Int, height: Int) -> LumaImage {
        var sums = [Int](repeating: 0, count: width * height), counts = [Int](repeating: 0, count: width * height)
        for y in 0..<src.height {
            let ty = min(height - 1, y * height / src.height)
            for x in 0..<src.width {
                let i = ty * width + min(width - 1, x * width / src.width)
                sums[i] += Int(src[x, y]); counts[i] += 1
            }
        }
        return LumaImage(width: width, height: height, pixels: zip(sums, counts).map { UInt8($0 / max(1, $1)) })
    }

    /// Rotates about the centre (positive = clockwise on screen) with bilinear sampling; pixels from
    /// outside take the nearest edge value, so no dark corners appear that could pass for ink.
    public static func rotated(_ image: LumaImage, radians a: Double) -> LumaImage {
        let c = cos(a), s = sin(a)
        let cx = Double(image.width) / 2, cy = Double(image.height) / 2
        var out = LumaImage(width: image.width, height: image.height)
        for y in 0..<image.height {
            for x in 0..<image.width {
                let dx = Double(x) - cx, dy = Double(y) - cy
                let sx = min(max(c * dx + s * dy + cx, 0), Double(image.width - 1))
                let sy = min(max(-s * dx + c * dy + cy, 0), Double(image.height - 1))
                let x0 = Int(sx), y0 = Int(sy), x1 = min(x0 + 1, image.width - 1), y1 = min(y0 + 1, image.height - 1)
                let fx = sx - Double(x0), fy = sy - Double(y0)
                let top = Double(image[x0, y0]) * (1 - fx) + Double(image[x1, y0]) * fx
                let bottom = Double(image[x0, y1]) * (1 - fx) + Double(image[x1, y1]) * fx
                out[x, y] = UInt8(clamping: Int((top * (1 - fy) + bottom * fy).rounded()))
            }
        }
        return out
    }

    /// Grows the picture by `p` pixels on each side, repeating its outermost rows and columns.
    public static func padReplicatingEdges(_ src: LumaImage, by p: Int) -> LumaImage {
        var out = LumaImage(width: src.width + 2 * p, height: src.height + 2 * p)
        for y in 0..<out.height {
            let sy = min(max(y - p, 0), src.height - 1)
            for x in 0..<out.width { out[x, y] = src[min(max(x - p, 0), src.width - 1), sy] }
        }
        return out
    }

    public static func pad(_ src: LumaImage, by p: Int, fill: UInt8) -> LumaImage {
        var out = LumaImage(width: src.width + 2 * p, height: src.height + 2 * p, fill: fill)
        for y in 0..<src.height {
            out.pixels.replaceSubrange((y + p) * out.width + p..<(y + p) * out.width + p + src.width,
                                       with: src.pixels[y * src.width..<(y + 1) * src.width])
        }
        return out
    }
}
