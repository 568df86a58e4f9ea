import Foundation
import OCR
import PlateWatchCore
import Testing
import TestSupport
import Vision

@Suite struct LineCutterTests {
    /// A glyph-like dark ring ('0'), 11 × 30 px with 3 px strokes.
    func drawGlyph(_ image: inout LumaImage, left: Int) {
        for y in 10..<40 { for x in left..<left + 11 where y < 13 || y >= 37 || x < left + 3 || x >= left + 8 { image[x, y] = 30 } }
    }

    /// A tight crop cut around a plate's dark frame: light plate, seven glyphs, the first touching the
    /// frame's left side.
    func framedPlate() -> LumaImage {
        var image = LumaImage(width: 150, height: 50, fill: 220)
        for y in 0..<50 { for x in 0..<150 where y < 4 || y >= 46 || x < 4 || x >= 146 { image[x, y] = 20 } }
        for k in 0..<7 { drawGlyph(&image, left: k == 0 ? 4 : 6 + k * 19) }
        return image
    }

    @Test func aGlyphTouchingADarkFrameIsKeptByBothCuts() throws {
        let cuts = LineCutter().cuts(in: framedPlate(), tight: true)
        try #require(cuts.count == 3, "a dark rim on a light plate gives two paddings to try, then the local threshold")
        let glyphs = cuts.map { $0.reduce(0) { $0 + $1.glyphs } }
        #expect(glyphs[0] == 7, "padded with the rim, the first glyph joins the frame and is cut free of it")
        #expect(glyphs[1] == 7, "padded with the plate's background, the frame is cleared and the glyph stays")
        #expect(cuts[1][0].glyphHeight == 30)
    }

    /// A plate lit from one side: the background falls from 240 to 75 across it and the ink is a third of
    /// the background, so the lit glyphs (about 80) are as dark as the shaded background and one threshold
    /// for the crop loses the ones or merges the others.
    @Test func aPlateLitFromOneSideIsCutWholeAgainstItsNeighbourhood() throws {
        var image = LumaImage(width: 150, height: 50, fill: 0)
        for y in 0..<50 { for x in 0..<150 { image[x, y] = UInt8(240 - x * 11 / 10) } }
        for k in 0..<7 {
            let left = 8 + k * 19
            for y in 10..<40 { for x in left..<left + 11 where y < 13 || y >= 37 || x < left + 3 || x >= left + 8 { image[x, y] /= 3 } }
        }
        let cuts = LineCutter().cuts(in: image, tight: true)
        let glyphs = cuts.map { $0.reduce(0) { $0 + $1.glyphs } }
        try #require(!glyphs.isEmpty)
        #expect(glyphs.dropLast().allSatisfy { $0 < 7 }, "one threshold loses the lit or the shaded glyphs: \(glyphs)")
        #expect(glyphs.last == 7, "the last cut, against each pixel's neighbourhood, keeps all seven: \(glyphs)")
    }

    /// A photo-sized crop is cut shrunk to `largestCutHeight`; its lines' boxes are still in the crop's pixels.
    @Test func aLargeCropIsCutSmallAndBoxedInItsOwnPixels() throws {
        var small = LumaImage(width: 150, height: 50, fill: 220)
        for k in 0..<7 { drawGlyph(&small, left: 8 + k * 19) }
        let large = Resample.bilinear(small, width: 600, height: 200 * 2)
        let smallLine = try #require(LineCutter().cuts(in: small, tight: true).first?.first)
        let largeLine = try #require(LineCutter().cuts(in: large, tight: true).first?.first)
        #expect(largeLine.glyphs == 7)
        #expect(abs(largeLine.box.x - smallLine.box.x * 4) <= 8 && abs(largeLine.box.width - smallLine.box.width * 4) <= 12,
                "\(largeLine.box) against \(smallLine.box) × 4")
        #expect(abs(largeLine.box.y - smallLine.box.y * 8) <= 16 && abs(largeLine.glyphHeight - 30 * 8) <= 16)
    }

    /// A located region as tall is cut shrunk too (a close-up plate), its boxes in the region's pixels.
    @Test func aLargeRegionIsCutSmallAndBoxedInItsOwnPixels() throws {
        var small = LumaImage(width: 150, height: 50, fill: 220)
        for k in 0..<7 { drawGlyph(&small, left: 8 + k * 19) }
        let large = Resample.bilinear(small, width: 600, height: 200 * 2)
        let smallLine = try #require(LineCutter().cuts(in: small).first?.first)
        let largeLine = try #require(LineCutter().cuts(in: large).first?.first)
        #expect(largeLine.glyphs == 7)
        #expect(abs(largeLine.box.x - smallLine.box.x * 4) <= 8 && abs(largeLine.box.y - smallLine.box.y * 8) <= 16,
                "\(largeLine.box) against \(smallLine.box) × (4, 8)")
        #expect(abs(largeLine.glyphHeight - smallLine.glyphHeight * 8) <= 16, "\(largeLine.glyphHeight) against \(smallLine.glyphHeight) × 8")
    }

    /// A 2-line plate cut inside its rounded frame: the dark outside reaches in further towards the bottom
    /// left corner, and touches the lower line's first glyph in six rows. No column there is dark across
    /// the line, so the frame's side is not found; clearing the outside row by row as deep as it reaches
    /// in the rows around frees the glyph (`268.10` read `6810` on real motorbike crops).
    @Test func aLowerLineGlyphTouchingARoundedCornerIsFreed() throws {
        var image = LumaImage(width: 150, height: 110, fill: 220)
        func ring(left: Int, top: Int) {
            for y in top..<top + 30 { for x in left..<left + 11 where y < top + 3 || y >= top + 27 || x < left + 3 || x >= left + 8 { image[x, y] = 30 } }
        }
        for k in 0..<4 { ring(left: 13 + k * 19, top: 10); ring(left: 13 + k * 19, top: 60) }
        for y in 50..<110 { for x in 0..<(y >= 57 ? min(12, 4 + (y - 57) * 8 / 33) : 3) { image[x, y] = 30 } }
        for y in 70..<76 { for x in 0..<13 { image[x, y] = 30 } }
        let first = try #require(LineCutter().cuts(in: image, tight: true).first)
        #expect(first.map(\.glyphs) == [4, 4], "top and lower line: \(first.map(\.glyphs))")
        #expect(first.count == 2 && first[1].box.x <= 14, "the lower line starts at its first glyph: \(first.map(\.box))")
    }

    /// A 2-line plate whose lower line ends in a piece of the frame's side, glyph-like and rising past the
    /// lower glyphs into the narrow gap between the lines. Measured by its full box the lower line would
    /// overlap the upper one and the two be cut as two 1-line plates (`20-M5` / `474.2` read `4743`, no plate).
    @Test func aFramePieceRisingBetweenTheLinesKeepsThemOnePlate() throws {
        var image = LumaImage(width: 150, height: 90, fill: 220)
        func ring(left: Int, top: Int) {
            for y in top..<top + 30 { for x in left..<left + 11 where y < top + 3 || y >= top + 27 || x < left + 3 || x >= left + 8 { image[x, y] = 30 } }
        }
        for k in 0..<4 { ring(left: 13 + k * 19, top: 10); ring(left: 13 + k * 19, top: 44) }
        // "]": a side 3 px wide from row 36 to 78 with 4 px arms.
        for y in 36..<78 { for x in 88..<95 where x >= 92 || y < 39 || y >= 75 { image[x, y] = 30 } }
        let first = try #require(LineCutter().cuts(in: image, tight: true).first)
        #expect(first.count == 2, "one plate of two lines: \(first.map(\.box))")
        #expect(first.first.map { $0.box.y < 20 } == true, "the upper line first: \(first.map(\.box))")
    }

    /// A plate whose printed thin line (a state's outline) runs across the tops of its 8 px-stroked glyphs,
    /// sloping so that no row holds a frame-long run: the glyphs and the line are one blob for every cut
    /// but the last resort, which clears ink thinner than half a stroke.
    @Test func aThinLineAcrossTheGlyphsIsClearedByTheLastResort() throws {
        var image = LumaImage(width: 300, height: 100, fill: 220)
        for k in 0..<7 {
            let left = 15 + k * 40
            for y in 20..<80 { for x in left..<left + 22 where y < 28 || y >= 72 || x < left + 8 || x >= left + 14 { image[x, y] = 30 } }
        }
        for x in 0..<300 { for y in 22 + x / 30..<24 + x / 30 { image[x, y] = 30 } }
        let glyphs = LineCutter().cuts(in: image, tight: true).map { $0.reduce(0) { $0 + $1.glyphs } }
        #expect(glyphs.allSatisfy { $0 < 7 }, "the line joins the glyphs in every usual cut: \(glyphs)")
        let last = LineCutter().cuts(in: image, tight: true, lastResort: true)
        try #require(last.count == 1)
        #expect(last[0].reduce(0) { $0 + $1.glyphs } == 7)
        #expect(last[0].first?.glyphHeight == 60, "the glyphs keep their height: only ink off their strokes is cleared")
    }

    /// Glyphs with 3 px strokes: too thin to tell a printed line from a stroke, so the last resort clears nothing.
    @Test func theLastResortLeavesThinGlyphsWhole() throws {
        var image = LumaImage(width: 150, height: 50, fill: 220)
        for k in 0..<7 { drawGlyph(&image, left: 8 + k * 19) }
        let last = LineCutter().cuts(in: image, tight: true, lastResort: true)
        #expect(last.first?.reduce(0) { $0 + $1.glyphs } == 7)
    }

    /// A small plate in a located region, mostly dark vehicle around it, its glyphs grey against the white
    /// plate (a Slovak `RK-959AF` 25 px tall in a 164×56 region): one threshold for the region splits vehicle
    /// from plate and takes the glyphs for plate; the last resort splits the plate's side again.
    @Test func greyGlyphsOnASmallPlateInADarkRegionAreCutByTheLastResort() throws {
        var image = LumaImage(width: 200, height: 80, fill: 50)
        for y in 27..<53 { for x in 25..<175 { image[x, y] = 225 } }
        for k in 0..<7 {
            let left = 32 + k * 20
            for y in 30..<50 { for x in left..<left + 12 where y < 33 || y >= 47 || x < left + 3 || x >= left + 9 { image[x, y] = 150 } }
        }
        let usual = LineCutter().cuts(in: image).map { $0.reduce(0) { $0 + $1.glyphs } }
        #expect(usual.allSatisfy { $0 < 7 }, "the region's threshold puts the grey glyphs with the plate: \(usual)")
        let last = LineCutter().cuts(in: image, lastResort: true)
        try #require(last.count == 1)
        #expect(last[0].count == 1)
        #expect(last[0].reduce(0) { $0 + $1.glyphs } == 7)
        #expect(last[0].first?.glyphHeight == 20)
        var plain = LumaImage(width: 150, height: 50, fill: 220)
        for k in 0..<4 { drawGlyph(&plain, left: 8 + k * 19) }
        #expect(LineCutter().cuts(in: plain, lastResort: true).isEmpty, "fewer glyphs than a plate has: no last resort")
    }

    @Test func shrinkingByAreaAveragesWhatEachPixelCovers() {
        var image = LumaImage(width: 6, height: 4, fill: 0)
        for y in 0..<4 { for x in 0..<6 where (x + y) % 2 == 0 { image[x, y] = 200 } }
        for x in 3..<6 { for y in 0..<4 { image[x, y] = 90 } }
        let shrunk = Resample.area(image, width: 2, height: 2)
        #expect(shrunk.pixels == [100, 90, 100, 90])
    }

    /// A located region whose plate frame is broken (so not cleared as frame) and holds the first glyph.
    func brokenFramePlate(firstGlyph: Bool) -> LumaImage {
        var image = LumaImage(width: 170, height: 60, fill: 220)
        for y in 2..<45 { for x in 4..<7 { image[x, y] = 20 } }
        for y in 44..<47 { for x in 4..<40 { image[x, y] = 20 } }
        for k in (firstGlyph ? 0 : 1)..<7 { drawGlyph(&image, left: 7 + k * 19) }
        return image
    }

    @Test func aGlyphTheFrameHoldsIsFreed() throws {
        let line = try #require(LineCutter().lines(in: brokenFramePlate(firstGlyph: true)).first)
        #expect(line.glyphs == 7, "the first glyph, joined to the frame, is cut free")
        #expect(line.characterSpans.count == 7)
    }

    @Test func aSliverOfFrameIsNoGlyph() throws {
        let line = try #require(LineCutter().lines(in: brokenFramePlate(firstGlyph: false)).first)
        #expect(line.glyphs == 6)
        #expect(line.characterSpans.count == 6, "the frame's side, freed from its corner, is not drawn on the line")
    }

    @Test func aLineDrawnAgainKeepsItsSpansOnItsGlyphs() throws {
        var image = LumaImage(width: 150, height: 50, fill: 220)
        for k in 0..<7 { drawGlyph(&image, left: 8 + k * 19) }
        let cutter = LineCutter()
        let line = try #require(cutter.lines(in: image).first)
        // Drawn at the cutter's own height, the line is the one it cut, pixel for pixel.
        let same = line.drawn(glyphHeight: cutter.targetGlyphHeight)
        #expect(same.image.pixels == line.image.pixels && same.image.width == line.image.width)
        #expect(same.characterSpans.map(\.left) == line.characterSpans.map(\.left))
        let small = line.drawn(glyphHeight: 20)
        #expect(small.characters == 7)
        // The glyphs are 20 px tall: the inked rows, less the padding of a third of the height each way.
        let inkedRows = (0..<small.image.height).filter { y in (0..<small.image.width).contains { small.image[$0, y] < 128 } }
        #expect(abs(inkedRows.count - 20) <= 2, "inked rows \(inkedRows.count)")
        #expect(small.image.width < line.image.width)
        for span in small.characterSpans {
            // The glyph is still where its span says: ink in the span's middle column.
            let column = (span.left + span.right) / 2
            #expect((0..<small.image.height).contains { small.image[column, $0] < 128 })
        }
    }

    @Test func theTiltOfACropsRowsIsFound() {
        // Two dark bands (a text line and a frame edge) falling 8 px over 100 px: slope 0.08.
        var image = LumaImage(width: 100, height: 40, fill: 220)
        for x in 0..<100 {
            let dy = Int((0.08 * Double(x)).rounded())
            for y in 6..<9 { image[x, y + dy] = 20 }
            for y in 18..<26 where x % 9 < 5 { image[x, y + dy] = 20 }
        }
        #expect(abs(LineCutter.rowProfileSlope(image, threshold: 120) - 0.08) < 0.011)
        var level = LumaImage(width: 100, height: 40, fill: 220)
        for x in 0..<100 { for y in 18..<26 where x % 9 < 5 { level[x, y] = 20 } }
        #expect(LineCutter.rowProfileSlope(level, threshold: 120) == 0)
    }

    @Test func aClearPolarityHasOneCut() {
        var image = LumaImage(width: 150, height: 50, fill: 220)
        for k in 0..<7 { drawGlyph(&image, left: 8 + k * 19) }
        #expect(LineCutter().cuts(in: image).count == 1, "light plate, dark glyphs: no doubt, one cut")
    }

    /// A plate a dataset squeezed into its fixed crop size (LPRNet's 94×24): glyphs 28 px wide and 24 tall.
    @Test func aTightCropsGlyphsMayBeWiderThanTall() {
        var image = LumaImage(width: 260, height: 44, fill: 220)
        for k in 0..<7 {
            let left = 8 + k * 35
            for y in 10..<34 {
                for x in left..<left + 28 where y < 13 || y >= 31 || x < left + 3 || x >= left + 25 { image[x, y] = 30 }
            }
        }
        let cuts = LineCutter().cuts(in: image, tight: true)
        #expect(!cuts.isEmpty && cuts.allSatisfy { $0.reduce(0) { $0 + $1.glyphs } == 7 },
                "cut as a tight crop: \(cuts.map { $0.map(\.glyphs) })")
        #expect(LineCutter().cuts(in: image).isEmpty, "a located region keeps the plate's shape: no glyph is that wide")
    }

    /// The plate's artwork joined to a glyph from above (a US state's drawing): the glyph choice
    /// loses that glyph, the band the line runs along keeps it and is cut first.
    @Test func aGlyphJoinedToArtworkIsDrawnWithTheBand() throws {
        var image = LumaImage(width: 150, height: 70, fill: 220)
        for k in 0..<7 {
            let left = 8 + k * 19
            for y in 30..<60 {
                for x in left..<left + 11 where y < 33 || y >= 57 || x < left + 3 || x >= left + 8 { image[x, y] = 30 }
            }
        }
        // A drawing above the line, joined to the fourth glyph by a stroke: the blob is half as tall again as a glyph.
        for y in 4..<10 { for x in 50..<90 { image[x, y] = 30 } }
        for y in 10..<30 { for x in 68..<71 { image[x, y] = 30 } }
        let cuts = LineCutter().cuts(in: image, tight: true)
        let first = try #require(cuts.first?.first)
        #expect(first.characters == 7, "the band keeps the joined glyph: \(cuts.map { $0.map(\.characters) })")
        #expect(cuts.count >= 2 && cuts[1].reduce(0) { $0 + $1.characters } == 6,
                "the glyph choice drops it: \(cuts.map { $0.map(\.characters) })")
    }

    /// A crop cut around a plate's dark frame, whose light glyphs stand on a lighter background
    /// (`lprnet_0426`): the padded crop's middle reaches the frame rows, whose dark sets its threshold
    /// between the frame and the rest, and the glyphs go with the background.
    @Test func lightGlyphsInsideADarkFrameAreCutAtThePlatesOwnThreshold() throws {
        var image = LumaImage(width: 150, height: 50, fill: 170)
        for y in 0..<50 { for x in 0..<150 where y < 8 || y >= 42 { image[x, y] = 30 } }
        for k in 0..<7 {
            let left = 8 + k * 19
            for y in 11..<39 {
                for x in left..<left + 11 where y < 14 || y >= 36 || x < left + 3 || x >= left + 8 { image[x, y] = 240 }
            }
        }
        let glyphs = LineCutter().cuts(in: image, tight: true).map { $0.reduce(0) { $0 + $1.glyphs } }
        #expect(glyphs.first == 7, "the cut at the plate's own threshold comes before the local one: \(glyphs)")
        #expect(glyphs.filter { $0 == 7 }.count == 1, "every other cut loses glyphs: \(glyphs)")
    }

    @Test func aCropCutInsideThePlateHasOneGlobalCut() {
        var image = LumaImage(width: 150, height: 50, fill: 220)
        for k in 0..<7 { drawGlyph(&image, left: 8 + k * 19) }
        let cuts = LineCutter().cuts(in: image, tight: true)
        #expect(cuts.count == 2, "one padding (rim and background agree), then the local threshold")
        #expect(cuts.allSatisfy { $0.reduce(0) { $0 + $1.glyphs } == 7 })
    }

    /// A frame's plate whose glyphs are shorter than `PlateReader.minimumGlyphHeight` is not read there,
    /// though the same picture read as a crop gives a plate: far plates misread (the footage's one false plate).
    @Test func farPlatesAreNotReadInFrames() throws {
        let reader = try PlateReader()
        var checked = 0
        for sample in try Footage.readableFrames(count: 24) {
            let box = try #require(sample.vehicle.box(at: sample.index))
            let region = sample.frame.cropped(to: box.insetBy(dx: -box.width / 8, dy: -box.height / 4))
            for scale in stride(from: 0.5, through: 0.9, by: 0.1) {
                let small = Resample.bilinear(region, width: Int(Double(region.width) * scale), height: Int(Double(region.height) * scale))
                guard let height = LineCutter().lines(in: small).first?.glyphHeight, height < PlateReader.minimumGlyphHeight,
                      reader.read(crop: small) != nil else { continue }
                checked += 1
                let whole = PlateCandidate(box: PixelRect(x: 0, y: 0, width: small.width, height: small.height), score: 1)
                #expect(reader.read(frame: small, candidate: whole) == nil, "\(height) px glyphs of \(sample.vehicle.display)")
            }
        }
        #expect(checked > 0, "some bundled plate scaled down still reads as a crop")
    }
}

extension LineCutterTests {
    /// Five bars 3 px wide and 30 px tall, each column shifted by `shear` px per row below the middle row.
    func bars(shear: Double) -> LumaImage {
        var ink = LumaImage(width: 120, height: 30, fill: 255)
        for k in 0..<5 {
            for y in 0..<30 {
                let shift = Int((shear * (Double(y) - 15)).rounded())
                for x in 0..<3 { ink[20 + k * 18 + x + shift, y] = 0 }
            }
        }
        return ink
    }

    func inkedColumns(_ image: LumaImage) -> Int {
        (0..<image.width).filter { x in (0..<image.height).contains { image[x, $0] < 128 } }.count
    }

    @Test func italicStrokesAreStoodUpright() {
        let slanted = bars(shear: -0.3)
        #expect(inkedColumns(slanted) > 40, "each slanted bar covers about 12 columns")
        let (upright, _) = LineCutter.deslanted(slanted)
        #expect(inkedColumns(upright) <= 5 * 4, "each bar stands in its own 3 or 4 columns")
    }

    @Test func uprightStrokesAreLeftAlone() {
        let straight = bars(shear: 0)
        let (same, offset) = LineCutter.deslanted(straight)
        #expect(same.pixels == straight.pixels && offset == 0)
    }
}

extension LineCutterTests {
    /// Six glyphs with a coat of arms between the third and the fourth: a ring 18 px tall, clear of the
    /// glyphs' top and bottom lines by 6 px.
    @Test func anEmblemBetweenTheCharactersIsDroppedWhenAsked() throws {
        var image = LumaImage(width: 180, height: 60, fill: 220)
        for left in [12, 31, 50, 88, 107, 126] {
            for y in 15..<45 { for x in left..<left + 11 where y < 18 || y >= 42 || x < left + 3 || x >= left + 8 { image[x, y] = 30 } }
        }
        for y in 21..<39 { for x in 69..<79 where y < 24 || y >= 36 || x < 72 || x >= 76 { image[x, y] = 30 } }
        let kept = try #require(LineCutter().lines(in: image).first)
        let dropped = try #require(LineCutter(dropsEmblems: true).lines(in: image).first)
        #expect(kept.characters == 7, "a Hanzi's parts float the same way: kept by default")
        #expect(dropped.characters == 6)
    }
}
