import PlateWatchCore

/// Per-pixel kernels over luma planes. Each has a SIMD form (used by the pipeline) and a scalar twin
/// that defines what the kernel means; `VisionTests` asserts the two agree byte for byte.
///
/// The SIMD forms process the interior 16 pixels at a time and hand borders to the scalar code, so
/// border behaviour is defined once.
public enum Kernels {
    public static let lanes = 16
    typealias V = SIMD16<UInt8>
    typealias W = SIMD16<UInt16>

    // MARK: downscale 2×2 → 1

    /// Box-filters 2×2 blocks: out(x,y) = (a + b + c + d + 2) / 4. Odd last row/column are dropped.
    public static func downscale2xScalar(_ src: LumaImage) -> LumaImage {
        let w = src.width / 2, h = src.height / 2
        var out = [UInt8](repeating: 0, count: w * h)
        for y in 0..<h {
            let r0 = 2 * y * src.width, r1 = r0 + src.width
            for x in 0..<w {
                let s = Int(src.pixels[r0 + 2 * x]) + Int(src.pixels[r0 + 2 * x + 1]) + Int(src.pixels[r1 + 2 * x])
                    + Int(src.pixels[r1 + 2 * x + 1])
                out[y * w + x] = UInt8((s + 2) >> 2)
            }
        }
        return LumaImage(width: w, height: h, pixels: out)
    }

    public static func downscale2x(_ src: LumaImage) -> LumaImage {
        let w = src.width / 2, h = src.height / 2
        var out = [UInt8](repeating: 0, count: w * h)
        let sw = src.width
        src.pixels.withUnsafeBytes { inp in
            out.withUnsafeMutableBytes { outp in
                for y in 0..<h {
                    let r0 = 2 * y * sw, r1 = r0 + sw
                    var x = 0
                    // Reading two source bytes as one little-endian UInt16 sums each horizontal pair cheaply.
                    while x + lanes <= w {
                        let a = inp.loadUnaligned(fromByteOffset: r0 + 2 * x, as: W.self)
                        let b = inp.loadUnaligned(fromByteOffset: r1 + 2 * x, as: W.self)
                        let sum = (a & 0xFF) &+ (a &>> 8) &+ (b & 0xFF) &+ (b &>> 8) &+ 2
                        outp.storeBytes(of: V(truncatingIfNeeded: sum &>> 2), toByteOffset: y * w + x, as: V.self)
                        x += lanes
                    }
                    while x < w {
                        let s = Int(inp[r0 + 2 * x]) + Int(inp[r0 + 2 * x + 1]) + Int(inp[r1 + 2 * x]) + Int(inp[r1 + 2 * x + 1])
                        outp[y * w + x] = UInt8((s + 2) >> 2)
                        x += 1
                    }
                }
            }
        }
        return LumaImage(width: w, height: h, pixels: out)
    }

    // MARK: vertical-edge map

    /// |p(x+1) − p(x−1)|: strong on the vertical strokes of characters, weak on bumpers and grilles.
    /// First and last column are 0.
    public static func horizontalGradientScalar(_ src: LumaImage) -> LumaImage {
        var out = LumaImage(width: src.width, height: src.height)
        guard src.width >= 3 else { return out }
        for y in 0..<src.height {
            let row = y * src.width
            for x in 1..<(src.width - 1) {
                let a = Int(src.pixels[row + x + 1]), b = Int(src.pixels[row + x - 1])
                out.pixels[row + x] = UInt8(abs(a - b))
            }
        }
        return out
    }

    public static func horizontalGradient(_ src: LumaImage) -> LumaImage {
        var out = LumaImage(width: src.width, height: src.height)
        let w = src.width
        guard w >= 3 else { return out }
        src.pixels.withUnsafeBytes { inp in
            out.pixels.withUnsafeMutableBytes { outp in
                for y in 0..<src.height {
                    let row = y * w
                    var x = 1
                    while x + lanes <= w - 1 {
                        let a = inp.loadUnaligned(fromByteOffset: row + x + 1, as: V.self)
                        let b = inp.loadUnaligned(fromByteOffset: row + x - 1, as: V.self)
                        outp.storeBytes(of: pointwiseMax(a, b) &- pointwiseMin(a, b), toByteOffset: row + x, as: V.self)
                        x += lanes
                    }
                    while x < w - 1 {
                        let a = Int(inp[row + x + 1]), b = Int(inp[row + x - 1])
                        outp[row + x] = UInt8(abs(a - b))
                        x += 1
                    }
                }
            }
        }
        return out
    }

    // MARK: threshold

    /// 255 where p ≥ t, else 0.
    public static func thresholdScalar(_ src: LumaImage, _ t: UInt8) -> LumaImage {
        LumaImage(width: src.width, height: src.height, pixels: src.pixels.map { $0 >= t ? 255 : 0 })
    }

    public static func threshold(_ src: LumaImage, _ t: UInt8) -> LumaImage {
        var out = LumaImage(width: src.width, height: src.height)
        let n = src.pixels.count
        let tv = V(repeating: t), zero = V(repeating: 0), full = V(repeating: 255)
        src.pixels.withUnsafeBytes { inp in
            out.pixels.withUnsafeMutableBytes { outp in
                var i = 0
                while i + lanes <= n {
                    let v = inp.loadUnaligned(fromByteOffset: i, as: V.self)
                    outp.storeBytes(of: zero.replacing(with: full, where: v .>= tv), toByteOffset: i, as: V.self)
                    i += lanes
                }
                while i < n {
                    outp[i] = inp[i] >= t ? 255 : 0
                    i += 1
                }
            }
        }
        return out
    }

    // MARK: morphology

    /// Grey dilation (`max`) or erosion (`min`) along rows over a window of ±`radius`, clipped at the borders.
    public static func rowMorphologyScalar(_ src: LumaImage, radius r: Int, dilate: Bool) -> LumaImage {
        var out = LumaImage(width: src.width, height: src.height)
        for y in 0..<src.height {
            let row = y * src.width
            for x in 0..<src.width {
                var acc: UInt8 = dilate ? 0 : 255
                for k in max(0, x - r)...min(src.width - 1, x + r) {
                    let p = src.pixels[row + k]
                    acc = dilate ? max(acc, p) : min(acc, p)
                }
                out.pixels[row + x] = acc
            }
        }
        return out
    }

    public static func rowMorphology(_ src: LumaImage, radius r: Int, dilate: Bool) -> LumaImage {
        var out = LumaImage(width: src.width, height: src.height)
        let w = src.width
        src.pixels.withUnsafeBytes { inp in
            out.pixels.withUnsafeMutableBytes { outp in
                for y in 0..<src.height {
                    let row = y * w
                    func scalar(_ x: Int) {
                        var acc: UInt8 = dilate ? 0 : 255
                        for k in max(0, x - r)...min(w - 1, x + r) { acc = dilate ? max(acc, inp[row + k]) : min(acc, inp[row + k]) }
                        outp[row + x] = acc
                    }
                    var x = 0
                    while x < min(r, w) { scalar(x); x += 1 }
                    while x + r + lanes <= w {
                        var acc = inp.loadUnaligned(fromByteOffset: row + x - r, as: V.self)
                        for k in (-r + 1)...r {
                            let v = inp.loadUnaligned(fromByteOffset: row + x + k, as: V.self)
                            acc = dilate ? pointwiseMax(acc, v) : pointwiseMin(acc, v)
                        }
                        outp.storeBytes(of: acc, toByteOffset: row + x, as: V.self)
                        x += lanes
                    }
                    while x < w { scalar(x); x += 1 }
                }
            }
        }
        return out
    }

    /// Grey dilation or erosion along columns over ±`radius` rows, clipped at the borders.
    public static func columnMorphologyScalar(_ src: LumaImage, radius r: Int, dilate: Bool) -> LumaImage {
        var out = LumaImage(width: src.width, height: src.height)
        for y in 0..<src.height {
            for x in 0..<src.width {
                var acc: UInt8 = dilate ? 0 : 255
                for k in max(0, y - r)...min(src.height - 1, y + r) {
                    let p = src.pixels[k * src.width + x]
                    acc = dilate ? max(acc, p) : min(acc, p)
                }
                out.pixels[y * src.width + x] = acc
            }
        }
        return out
    }

    public static func columnMorphology(_ src: LumaImage, radius r: Int, dilate: Bool) -> LumaImage {
        var out = LumaImage(width: src.width, height: src.height)
        let w = src.width, h = src.height
        src.pixels.withUnsafeBytes { inp in
            out.pixels.withUnsafeMutableBytes { outp in
                for y in 0..<h {
                    let k0 = max(0, y - r), k1 = min(h - 1, y + r)
                    var x = 0
                    while x + lanes <= w {
                        var acc = inp.loadUnaligned(fromByteOffset: k0 * w + x, as: V.self)
                        if k0 < k1 {
                            for k in (k0 + 1)...k1 {
                                let v = inp.loadUnaligned(fromByteOffset: k * w + x, as: V.self)
                                acc = dilate ? pointwiseMax(acc, v) : pointwiseMin(acc, v)
                            }
                        }
                        outp.storeBytes(of: acc, toByteOffset: y * w + x, as: V.self)
                        x += lanes
                    }
                    while x < w {
                        var acc: UInt8 = dilate ? 0 : 255
                        for k in k0...k1 { acc = dilate ? max(acc, inp[k * w + x]) : min(acc, inp[k * w + x]) }
                        outp[y * w + x] = acc
                        x += 1
                    }
                }
            }
        }
        return out
    }

    // MARK: integral image and adaptive threshold

    /// (w+1)×(h+1) sums: entry (x, y) holds the sum of every pixel above and left of (x, y). The sums wrap
    /// at 2³²; a window's sum, the difference of four entries, is exact while the window itself sums below.
    public static func integralImageScalar(_ src: LumaImage) -> [UInt32] {
        let stride = src.width + 1
        var out = [UInt32](repeating: 0, count: stride * (src.height + 1))
        for y in 0..<src.height {
            var row: UInt32 = 0
            for x in 0..<src.width {
                row &+= UInt32(src.pixels[y * src.width + x])
                out[(y + 1) * stride + x + 1] = out[y * stride + x + 1] &+ row
            }
        }
        return out
    }

    /// The running sum along a row is serial; adding the row above is done 8 lanes at a time.
    public static func integralImage(_ src: LumaImage) -> [UInt32] {
        let (w, h) = (src.width, src.height), stride = w + 1
        var out = [UInt32](repeating: 0, count: stride * (h + 1))
        src.pixels.withUnsafeBytes { inp in
            out.withUnsafeMutableBytes { outp in
                for y in 0..<h {
                    let above = (y * stride + 1) * 4, here = ((y + 1) * stride + 1) * 4
                    var row: UInt32 = 0
                    for x in 0..<w {
                        row &+= UInt32(inp[y * w + x])
                        outp.storeBytes(of: row, toByteOffset: here + 4 * x, as: UInt32.self)
                    }
                    var x = 0
                    while x + 8 <= w {
                        let a = outp.loadUnaligned(fromByteOffset: above + 4 * x, as: SIMD8<UInt32>.self)
                        let b = outp.loadUnaligned(fromByteOffset: here + 4 * x, as: SIMD8<UInt32>.self)
                        outp.storeBytes(of: a &+ b, toByteOffset: here + 4 * x, as: SIMD8<UInt32>.self)
                        x += 8
                    }
                    while x < w {
                        let sum = outp.load(fromByteOffset: above + 4 * x, as: UInt32.self) &+ outp.load(fromByteOffset: here + 4 * x, as: UInt32.self)
                        outp.storeBytes(of: sum, toByteOffset: here + 4 * x, as: UInt32.self)
                        x += 1
                    }
                }
            }
        }
        return out
    }

    /// Whether the pixel at (x, y) is ink: darker (or, for light ink, lighter) than the mean of the (2r+1)²
    /// window around it, clipped at the borders, by more than `offset`. Compared without a division, so that
    /// the SIMD form's interior gives the same answer to the bit; its border columns call this.
    @inline(__always)
    static func isInk(_ src: LumaImage, integral: [UInt32], x: Int, y: Int, radius r: Int, offset: UInt32, darkInk: Bool) -> Bool {
        let (w, h) = (src.width, src.height), stride = w + 1
        let x0 = max(0, x - r), x1 = min(w, x + r + 1), y0 = max(0, y - r), y1 = min(h, y + r + 1)
        let sum = integral[y1 * stride + x1] &- integral[y0 * stride + x1] &- integral[y1 * stride + x0] &+ integral[y0 * stride + x0]
        let p = UInt32(src.pixels[y * w + x]), n = UInt32((y1 - y0) * (x1 - x0))
        return darkInk ? (p &+ offset) &* n < sum : p &* n > sum &+ offset &* n
    }

    /// 255 where a pixel is ink against the mean of the (2r+1)² window around it (clipped at the borders),
    /// else 0: a glyph under uneven light (a shadow across half the plate, a tilted plate lit from one
    /// side) stays whole where one threshold for the picture loses its bright or dark half.
    public static func adaptiveThresholdScalar(_ src: LumaImage, radius r: Int, offset: UInt8, darkInk: Bool) -> LumaImage {
        let integral = integralImageScalar(src)
        var out = LumaImage(width: src.width, height: src.height)
        for y in 0..<src.height {
            for x in 0..<src.width where isInk(src, integral: integral, x: x, y: y, radius: r, offset: UInt32(offset), darkInk: darkInk) {
                out.pixels[y * src.width + x] = 255
            }
        }
        return out
    }

    /// Where the window lies wholly inside the picture's columns, its pixel count is the same along a row,
    /// so 8 pixels are compared at a time; the clipped columns at each end go through the scalar test.
    public static func adaptiveThreshold(_ src: LumaImage, radius r: Int, offset: UInt8, darkInk: Bool) -> LumaImage {
        let (w, h) = (src.width, src.height), stride = w + 1
        let integral = integralImage(src)
        var out = LumaImage(width: w, height: h)
        let off = UInt32(offset), offs = SIMD8<UInt32>(repeating: UInt32(offset))
        let zero = SIMD8<UInt32>(repeating: 0), full = SIMD8<UInt32>(repeating: 255)
        integral.withUnsafeBytes { ii in
            src.pixels.withUnsafeBytes { inp in
                out.pixels.withUnsafeMutableBytes { outp in
                    func load(_ index: Int) -> SIMD8<UInt32> { ii.loadUnaligned(fromByteOffset: index * 4, as: SIMD8<UInt32>.self) }
                    func scalar(_ x: Int, _ y: Int) {
                        if isInk(src, integral: integral, x: x, y: y, radius: r, offset: off, darkInk: darkInk) { outp[y * w + x] = 255 }
                    }
                    for y in 0..<h {
                        let y0 = max(0, y - r), y1 = min(h, y + r + 1)
                        let n = SIMD8<UInt32>(repeating: UInt32((y1 - y0) * (2 * r + 1)))
                        // Interior columns: x − r ≥ 0 and x + r + 1 ≤ w.
                        let first = min(r, w), end = max(first, w - r)
                        for x in 0..<first { scalar(x, y) }
                        var x = first
                        while x + 8 <= end {
                            let sum = load(y1 * stride + x + r + 1) &- load(y0 * stride + x + r + 1)
                                &- load(y1 * stride + x - r) &+ load(y0 * stride + x - r)
                            let p = SIMD8<UInt32>(truncatingIfNeeded: inp.loadUnaligned(fromByteOffset: y * w + x, as: SIMD8<UInt8>.self))
                            let ink = darkInk ? (p &+ offs) &* n .< sum : p &* n .> sum &+ offs &* n
                            outp.storeBytes(of: SIMD8<UInt8>(truncatingIfNeeded: zero.replacing(with: full, where: ink)),
                                            toByteOffset: y * w + x, as: SIMD8<UInt8>.self)
                            x += 8
                        }
                        while x < w { scalar(x, y); x += 1 }
                    }
                }
            }
        }
        return out
    }

    // MARK: statistics

    /// Mean of all pixels, used to set the edge threshold from the scene's own contrast.
    public static func meanScalar(_ src: LumaImage) -> Double {
        guard !src.pixels.isEmpty else { return 0 }
        return Double(src.pixels.reduce(0) { $0 + Int($1) }) / Double(src.pixels.count)
    }

    public static func mean(_ src: LumaImage) -> Double {
        let n = src.pixels.count
        guard n > 0 else { return 0 }
        var total = 0
        src.pixels.withUnsafeBytes { inp in
            var i = 0
            while i + lanes <= n {
                // 16 lanes × 255 × 256 iterations fits a UInt32 lane; flush before it could overflow.
                var acc = SIMD16<UInt32>(repeating: 0)
                var steps = 0
                while i + lanes <= n && steps < 65_536 {
                    acc &+= SIMD16<UInt32>(truncatingIfNeeded: inp.loadUnaligned(fromByteOffset: i, as: V.self))
                    i += lanes
                    steps += 1
                }
                total += Int(acc.wrappedSum())
            }
            while i < n { total += Int(inp[i]); i += 1 }
        }
        return Double(total) / Double(n)
    }
}
