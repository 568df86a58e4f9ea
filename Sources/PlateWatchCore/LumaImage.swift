/// An 8-bit single-channel picture stored row by row without padding.
///
/// Every stage past `Ingest` works on luma: plate text is a brightness pattern, and reading one plane
/// instead of three keeps the per-frame cost down on a 2-core box.
public struct LumaImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public var pixels: [UInt8]

    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width >= 0 && height >= 0 && pixels.count == width * height, "pixel count must be width × height")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    public init(width: Int, height: Int, fill: UInt8 = 0) {
        self.init(width: width, height: height, pixels: [UInt8](repeating: fill, count: width * height))
    }

    // Inlinable: the other modules' per-pixel loops otherwise call it (7 % of `cut-lines`' time in `perf`).
    @inlinable
    public subscript(x: Int, y: Int) -> UInt8 {
        get { pixels[y * width + x] }
        set { pixels[y * width + x] = newValue }
    }

    /// Every `step`-th pixel of every `step`-th row: for previews and JPEG size, not an analysis input
    /// (the locator's SIMD `Kernels.downscale2x` averages).
    public func decimated(by step: Int) -> LumaImage {
        let w = max(1, width / step), h = max(1, height / step)
        var out = [UInt8](repeating: 0, count: w * h)
        for y in 0..<h {
            let row = min(height - 1, y * step) * width
            for x in 0..<w { out[y * w + x] = pixels[row + min(width - 1, x * step)] }
        }
        return LumaImage(width: w, height: h, pixels: out)
    }

    /// The picture as a binary PGM file (what Tesseract's training tools and FFmpeg both read).
    public var pgm: [UInt8] { Array("P5 \(width) \(height) 255\n".utf8) + pixels }

    /// Copies the part of the picture inside `rect`, clipped to the picture.
    public func cropped(to rect: PixelRect) -> LumaImage {
        let r = rect.clipped(width: width, height: height)
        var out = [UInt8](repeating: 0, count: r.width * r.height)
        for row in 0..<r.height {
            let src = (r.y + row) * width + r.x
            out.replaceSubrange(row * r.width..<(row + 1) * r.width, with: pixels[src..<src + r.width])
        }
        return LumaImage(width: r.width, height: r.height, pixels: out)
    }
}

/// An axis-aligned box in pixels: top-left corner and size.
public struct PixelRect: Sendable, Equatable, Hashable, Codable {
    public var x: Int
    public var y: Int
    public var width: Int
    public var height: Int

    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }

    public var maxX: Int { x + width }
    public var maxY: Int { y + height }
    public var area: Int { max(0, width) * max(0, height) }

    public func clipped(width w: Int, height h: Int) -> PixelRect {
        let x0 = min(max(x, 0), w), y0 = min(max(y, 0), h)
        let x1 = min(max(maxX, 0), w), y1 = min(max(maxY, 0), h)
        return PixelRect(x: x0, y: y0, width: x1 - x0, height: y1 - y0)
    }

    public func intersectionOverUnion(_ other: PixelRect) -> Double {
        let ix = max(0, min(maxX, other.maxX) - max(x, other.x))
        let iy = max(0, min(maxY, other.maxY) - max(y, other.y))
        let inter = ix * iy
        let union = area + other.area - inter
        return union > 0 ? Double(inter) / Double(union) : 0
    }

    /// Intersection over the smaller area: 1 when one box lies inside the other.
    public func overlapOfSmaller(_ other: PixelRect) -> Double {
        let ix = max(0, min(maxX, other.maxX) - max(x, other.x))
        let iy = max(0, min(maxY, other.maxY) - max(y, other.y))
        let smaller = min(area, other.area)
        return smaller > 0 ? Double(ix * iy) / Double(smaller) : 0
    }

    public func scaled(by factor: Int) -> PixelRect {
        PixelRect(x: x * factor, y: y * factor, width: width * factor, height: height * factor)
    }

    /// Grows the box by `dx`/`dy` on each side.
    public func insetBy(dx: Int, dy: Int) -> PixelRect {
        PixelRect(x: x + dx, y: y + dy, width: width - 2 * dx, height: height - 2 * dy)
    }

    /// `[x, y, w, h]`, the form events and ground truth use.
    public var array: [Int] { [x, y, width, height] }

    public init(from decoder: Decoder) throws {
        var c = try decoder.unkeyedContainer()
        self.init(x: try c.decode(Int.self), y: try c.decode(Int.self), width: try c.decode(Int.self), height: try c.decode(Int.self))
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.unkeyedContainer()
        try c.encode(contentsOf: array)
    }
}
