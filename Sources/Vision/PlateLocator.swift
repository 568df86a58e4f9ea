import PlateWatchCore

/// Finds plate-like regions in a full frame.
///
/// Plates are dense clusters of short vertical strokes: characters give many strong left/right edges
/// in a small box, while car bodies, bumpers and grilles give long or horizontal ones. The locator
/// works on a half-size picture (full size up to 960 px wide): vertical-edge map → threshold → close
/// gaps between characters along rows and between the two lines of a 2-line plate → blobs with
/// plate-like size, shape and density.
/// Candidates are only proposals; `OCR` verifies them by their characters and the plate grammar.
public struct PlateLocator: Sendable {
    public struct Settings: Sendable {
        /// Smallest plate width to look for, in full-frame pixels (≈ 8 characters of 8 px).
        public var minPlateWidth = 48
        /// Largest share of the frame width a plate may take.
        public var maxPlateWidthShare = 0.6
        /// Lower bound of the edge threshold; the scene's mean edge strength raises it in busy scenes.
        public var minEdgeThreshold: UInt8 = 28
        /// Proposals handed to OCR per frame, strongest first; each costs a Tesseract call.
        public var maxCandidates = 4
        /// Also look for close-up plates, too wide to close at half size (`CameraConfig.closeUp`).
        public var closeUp = false
        public init(closeUp: Bool = false) { self.closeUp = closeUp }
    }

    public var settings: Settings
    public init(settings: Settings = Settings()) { self.settings = settings }

    public func locate(in frame: LumaImage) -> [PlateCandidate] {
        guard frame.width >= 64, frame.height >= 32 else { return [] }
        // A small frame (a D1 or 960H camera, a photo) is looked over at full size, where its plates are
        // about as large as a 1080p frame's are at half size, the size the closing radii are set for; its
        // best half-size blobs are read too, for a plate near enough to fall apart at full size. EU photos
        // (mostly 360–600 px wide): 65 → 68 of 108 found and read at full size alone, 69 with the half-size
        // blobs; false reads 24 → 23.
        let scale = frame.width > Self.fullSizeMaxWidth ? 2 : 1
        let half = Kernels.downscale2x(frame)
        let small = scale == 2 ? half : frame
        let near = proposals(in: small, minWidth: settings.minPlateWidth / scale)
        var far: [(box: PixelRect, score: Double)] = []
        if settings.closeUp, case let quarter = scale == 2 ? Kernels.downscale2x(half) : half, quarter.width >= 64, quarter.height >= 32 {
            far = proposals(in: quarter, minWidth: Self.closeUpMinWidth, separatesLines: false).map { ($0.box.scaled(by: 2), $0.score) }
        }
        var halved: [(box: PixelRect, score: Double)] = []
        if scale == 1 {
            halved = proposals(in: half, minWidth: settings.minPlateWidth / 2).map { ($0.box.scaled(by: 2), $0.score) }
        }
        func padded(_ blobs: [(box: PixelRect, score: Double)]) -> [PlateCandidate] {
            blobs.compactMap { blob -> PlateCandidate? in
                // Pad: the closed blob hugs the strokes, the plate's border and margin lie just outside.
                let padX = max(3, blob.box.width / 8), padY = max(3, blob.box.height / 4)
                let box = blob.box.insetBy(dx: -padX, dy: -padY).scaled(by: scale).clipped(width: frame.width, height: frame.height)
                guard box.width >= settings.minPlateWidth else { return nil }
                return PlateCandidate(box: box, score: blob.score)
            }.sorted { $0.score > $1.score }
        }
        var candidates = Array(padded(near).prefix(settings.maxCandidates))
        // The best blobs of another pass, whatever their rank beside the first pass's, where they are not
        // already candidates.
        func add(best count: Int, of blobs: [(box: PixelRect, score: Double)]) {
            var added = 0
            for blob in padded(blobs) where added < count && !candidates.contains(where: { $0.box.intersectionOverUnion(blob.box) > 0.3 }) {
                candidates.append(blob)
                added += 1
            }
        }
        // Close-up blobs take in what is around the plate (a badge, the mudguard) and score below half-size
        // clutter, so the best of them are read whatever their rank (real parking frames: 1 candidate 25
        // plates of 83, 2: 32, 3: 36).
        add(best: Self.closeUpCandidates, of: far)
        add(best: Self.halfSizeCandidates, of: halved)
        return candidates
    }

    /// Frames this wide or narrower are looked over at full size, wider ones at half size.
    static let fullSizeMaxWidth = 960
    /// Half-size candidates read per small frame, beside `maxCandidates` full-size ones.
    static let halfSizeCandidates = 2

    /// Close-up plates (a motorbike plate 300 px wide in a 1080p frame) have strokes and gaps between
    /// characters wider than the half-size closing bridges, and fall apart into strokes there; at quarter
    /// size they close like a distant plate. Only blobs too wide for the half-size pass to close are looked
    /// for there (quarter-size pixels: about 240 full-frame pixels).
    static let closeUpMinWidth = 60
    /// Close-up candidates read per frame, beside `maxCandidates`.
    static let closeUpCandidates = 2

    /// Plate-like blobs of one downscaled picture, in its own pixels.
    /// - Parameter separatesLines: also propose 1-line blobs of the row-closed mask. The close-up pass does
    ///   without them, one labelling less per frame; what they would add there was not measured on its own.
    private func proposals(in small: LumaImage, minWidth minW: Int, separatesLines: Bool = true) -> [(box: PixelRect, score: Double)] {
        let edges = Kernels.horizontalGradient(small)
        let mean = Kernels.mean(edges)
        let t = UInt8(clamping: max(Int(settings.minEdgeThreshold), Int(mean * 4)))
        let binary = Kernels.threshold(edges, t)
        let (rowsClosed, closed) = Self.closing(binary)
        let maxW = Int(Double(small.width) * settings.maxPlateWidthShare)
        // The vertical close can join a 1-line plate to a bumper edge or a badge above or below it (EU
        // photos: `M5-XSX` proposed only with the BMW badge over it); the row-closed mask keeps such a plate
        // a blob of its own. Only such blobs, 1-line wide and ranked below the closed ones: elsewhere its
        // blobs are the closed ones again, or small clutter that pushed real plates out of the few
        // candidates read (real parking frames 4 → 0). Each is kept with one of its pixels, so that the
        // closed blob holding it can be looked up once its own labelling is gone: two labellings of a
        // frame alive at once, each with its label plane, doubled the locator's p95 time. Neither writes a
        // plane now (`labelPlane: false`); a label is looked up in its row's runs.
        var lines: [(box: PixelRect, score: Double, pixel: (x: Int, y: Int))] = []
        if separatesLines {
            let rows = ComponentLabeling(rowsClosed, labelPlane: false)
            for c in rows.components where c.box.width >= minW && c.box.width * 2 >= c.box.height * 5 {
                guard let score = plateScore(c, binary: binary, minWidth: minW, maxWidth: maxW) else { continue }
                let y = c.box.y + c.box.height / 2
                guard let x = (c.box.x..<c.box.maxX).first(where: { rows.label(x: $0, y: y) == c.label }) else { continue }
                lines.append((c.box, score, (x, y)))
            }
        }
        var blobs: [(box: PixelRect, score: Double)] = []
        let closedLabeling = ComponentLabeling(closed, labelPlane: false)
        for c in closedLabeling.components {
            if let score = plateScore(c, binary: binary, minWidth: minW / 2, maxWidth: maxW) { blobs.append((c.box, score)) }
        }
        for line in lines {
            // Closing only adds pixels: the closed blob holding the line holds its pixel.
            let joined = closedLabeling.components[Int(closedLabeling.label(x: line.pixel.x, y: line.pixel.y)) - 1]
            guard joined.box.height * 2 >= line.box.height * 3,
                  !blobs.contains(where: { $0.box.intersectionOverUnion(line.box) > 0.7 }) else { continue }
            blobs.append((line.box, line.score * 0.75))
        }
        return blobs + stackedPairs(blobs)
    }

    /// The edge mask closed along rows (gaps between strokes and characters ≈ 4 half-size pixels), and that
    /// closed again along columns to bridge the gap between the two lines of a 2-line plate.
    public static func closing(_ binary: LumaImage) -> (rows: LumaImage, both: LumaImage) {
        let rows = Kernels.rowMorphology(Kernels.rowMorphology(binary, radius: 4, dilate: true), radius: 4, dilate: false)
        return (rows, Kernels.columnMorphology(Kernels.columnMorphology(rows, radius: 2, dilate: true), radius: 1, dilate: false))
    }

    /// The two lines of a 2-line plate often close into separate blobs: one above the other, about as
    /// wide, a gap smaller than a line. Each such pair is also proposed as one plate, ranked above its parts.
    private func stackedPairs(_ blobs: [(box: PixelRect, score: Double)]) -> [(box: PixelRect, score: Double)] {
        var pairs: [(box: PixelRect, score: Double)] = []
        for top in blobs {
            for bottom in blobs where bottom.box.y > top.box.y {
                let a = top.box, b = bottom.box
                let gap = b.y - a.maxY
                guard gap >= 0, gap < min(a.height, b.height) else { continue }
                let overlap = min(a.maxX, b.maxX) - max(a.x, b.x)
                guard overlap > min(a.width, b.width) * 2 / 3 else { continue }
                let ratio = Double(a.height) / Double(b.height)
                guard ratio > 0.6, ratio < 1.7 else { continue }
                let x0 = min(a.x, b.x), x1 = max(a.maxX, b.maxX)
                pairs.append((PixelRect(x: x0, y: a.y, width: x1 - x0, height: b.maxY - a.y), min(1, max(top.score, bottom.score) + 0.05)))
            }
        }
        return pairs
    }

    /// How plate-like a blob is (edge density × fill), or nil when its size, shape, fill or density rule it out.
    private func plateScore(_ c: Component, binary: LumaImage, minWidth: Int, maxWidth: Int) -> Double? {
        let b = c.box
        guard b.width >= minWidth, b.width <= maxWidth, b.height >= 5 else { return nil }
        let aspect = Double(b.width) / Double(b.height)
        // 1-line plates ≈ 4.7:1, 2-line car ≈ 2:1, motorbike ≈ 1.36:1; allow for tilt and partial closing.
        guard aspect >= 0.9, aspect <= 8 else { return nil }
        let fill = Double(c.pixelCount) / Double(b.area)
        guard fill >= 0.25 else { return nil }
        let density = edgeDensity(binary, b)
        guard density >= 0.12 else { return nil }
        return min(1, density * fill * 2)
    }

    /// Share of set pixels of the raw edge mask inside `box`.
    private func edgeDensity(_ mask: LumaImage, _ box: PixelRect) -> Double {
        var n = 0
        for y in box.y..<box.maxY {
            let row = y * mask.width
            for x in box.x..<box.maxX where mask.pixels[row + x] != 0 { n += 1 }
        }
        return Double(n) / Double(max(1, box.area))
    }
}
