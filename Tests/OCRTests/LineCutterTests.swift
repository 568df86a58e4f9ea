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

    @Test func aGlyphTouchingADarkFrameIsKeptByTheSecondCut() throws {
        let cuts = LineCutter().cuts(in: framedPlate(), tight: true)
        try #require(cuts.count == 2, "a dark rim on a light plate gives two paddings to try")
        let glyphs = cuts.map { $0.reduce(0) { $0 + $1.glyphs } }
        #expect(glyphs[0] == 6, "padded with the rim, the first glyph joins the frame and is dropped")
        #expect(glyphs[1] == 7, "padded with the plate's background, the frame is cleared and the glyph stays")
        #expect(cuts[1][0].glyphHeight == 30)
    }

    @Test func aCropCutInsideThePlateHasOneCut() {
        var image = LumaImage(width: 150, height: 50, fill: 220)
        for k in 0..<7 { drawGlyph(&image, left: 8 + k * 19) }
        #expect(LineCutter().cuts(in: image, tight: true).count == 1)
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
