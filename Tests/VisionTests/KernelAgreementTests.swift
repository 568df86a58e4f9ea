import PlateWatchCore
import Testing
import TestSupport
import Vision

/// Every SIMD kernel must give exactly what its scalar twin gives, borders and odd sizes included.
@Suite struct KernelAgreementTests {
    /// Sizes that exercise full vectors, remainders and images narrower than one vector.
    static let sizes = [(1, 1), (3, 2), (15, 7), (16, 16), (17, 5), (33, 9), (64, 48), (101, 37), (640, 360)]

    static func random(_ w: Int, _ h: Int, seed: UInt64) -> LumaImage {
        var rng = SplitMix64(seed: seed)
        return LumaImage(width: w, height: h, pixels: (0..<(w * h)).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
    }

    /// Random noise has no structure; a mostly-binary picture has long runs like a real edge mask.
    static func images() -> [LumaImage] {
        sizes.enumerated().flatMap { i, size in
            let noise = random(size.0, size.1, seed: UInt64(i + 1))
            let blocky = LumaImage(width: size.0, height: size.1, pixels: noise.pixels.enumerated().map { j, p in
                (j / 7 + j / size.0) % 3 == 0 ? 255 : p / 16 })
            return [noise, blocky]
        }
    }

    @Test func downscaleAgrees() {
        for image in Self.images() { #expect(Kernels.downscale2x(image) == Kernels.downscale2xScalar(image), "\(image.width)x\(image.height)") }
    }

    @Test func horizontalGradientAgrees() {
        for image in Self.images() { #expect(Kernels.horizontalGradient(image) == Kernels.horizontalGradientScalar(image)) }
    }

    @Test func thresholdAgrees() {
        for image in Self.images() {
            for t: UInt8 in [0, 1, 40, 128, 255] { #expect(Kernels.threshold(image, t) == Kernels.thresholdScalar(image, t)) }
        }
    }

    @Test func morphologyAgrees() {
        for image in Self.images() {
            for radius in [1, 2, 4, 9] {
                for dilate in [true, false] {
                    #expect(Kernels.rowMorphology(image, radius: radius, dilate: dilate)
                        == Kernels.rowMorphologyScalar(image, radius: radius, dilate: dilate), "rows r=\(radius) \(image.width)x\(image.height)")
                    #expect(Kernels.columnMorphology(image, radius: radius, dilate: dilate)
                        == Kernels.columnMorphologyScalar(image, radius: radius, dilate: dilate), "columns r=\(radius)")
                }
            }
        }
    }

    @Test func integralImageAndAdaptiveThresholdAgree() {
        for image in Self.images() {
            #expect(Kernels.integralImage(image) == Kernels.integralImageScalar(image), "\(image.width)x\(image.height)")
            for radius in [1, 3, 8, 40] {
                for (offset, darkInk): (UInt8, Bool) in [(0, true), (5, true), (5, false), (30, false)] {
                    #expect(Kernels.adaptiveThreshold(image, radius: radius, offset: offset, darkInk: darkInk)
                        == Kernels.adaptiveThresholdScalar(image, radius: radius, offset: offset, darkInk: darkInk),
                            "r=\(radius) offset \(offset) dark \(darkInk) \(image.width)x\(image.height)")
                }
            }
        }
        // The scalar twin is the definition: dark ink is darker than its window's mean by more than the offset.
        var step = LumaImage(width: 20, height: 5, fill: 200)
        for y in 0..<5 { for x in 8..<12 { step[x, y] = 50 } }
        let mask = Kernels.adaptiveThresholdScalar(step, radius: 4, offset: 10, darkInk: true)
        #expect((0..<20).filter { mask[$0, 2] != 0 } == Array(8..<12))
        let total = Kernels.integralImageScalar(step).last ?? 0
        #expect(total == 17_000, "80 pixels of 200 and 20 of 50")
    }

    @Test func meanAgrees() {
        for image in Self.images() { #expect(Kernels.mean(image) == Kernels.meanScalar(image)) }
        let big = LumaImage(width: 2048, height: 1200, fill: 255)
        #expect(Kernels.mean(big) == 255, "no lane overflow on a large bright frame")
    }

    /// Masks with single pixels, diagonal touches, runs across vector boundaries and rows wider than a vector.
    static func masks() -> [LumaImage] {
        images().flatMap { image in
            [16, 128, 240].map { t in
                var mask = Kernels.thresholdScalar(image, UInt8(t))
                // A diagonal staircase: 8-connected through corners only.
                for i in 0..<min(mask.width, mask.height) { mask[i, i] = 255 }
                return mask
            }
        } + [LumaImage(width: 40, height: 3, fill: 255), LumaImage(width: 40, height: 3, fill: 0), LumaImage(width: 0, height: 0)]
    }

    @Test func runLabellingAgreesWithThePixelwiseTwin() {
        for mask in Self.masks() {
            let runs = ComponentLabeling(mask), pixels = ComponentLabeling(pixelwise: mask)
            #expect(runs.components == pixels.components, "\(mask.width)x\(mask.height)")
            #expect(runs.labels == pixels.labels, "\(mask.width)x\(mask.height)")
        }
    }

    /// The locator labels without a plane and looks labels up from the runs.
    @Test func labelsLookedUpFromRunsMatchThePlane() {
        for mask in Self.masks() {
            let plane = ComponentLabeling(mask), runs = ComponentLabeling(mask, labelPlane: false)
            #expect(runs.labels.isEmpty)
            #expect(runs.components == plane.components, "\(mask.width)x\(mask.height)")
            var mismatches = 0
            for y in 0..<mask.height {
                for x in 0..<mask.width where runs.label(x: x, y: y) != plane.labels[y * mask.width + x] { mismatches += 1 }
            }
            #expect(mismatches == 0, "\(mask.width)x\(mask.height)")
        }
    }

    @Test func kernelsAgreeOnRealFrames() throws {
        let frames = try Footage.frames(count: 2)
        try #require(frames.count == 2, "testvideos/ must hold the bundled clips")
        for frame in frames {
            let small = Kernels.downscale2x(frame)
            #expect(small == Kernels.downscale2xScalar(frame))
            let edges = Kernels.horizontalGradient(small)
            #expect(edges == Kernels.horizontalGradientScalar(small))
            #expect(Kernels.threshold(edges, 30) == Kernels.thresholdScalar(edges, 30))
            #expect(Kernels.rowMorphology(edges, radius: 4, dilate: true) == Kernels.rowMorphologyScalar(edges, radius: 4, dilate: true))
            #expect(Kernels.columnMorphology(edges, radius: 2, dilate: false) == Kernels.columnMorphologyScalar(edges, radius: 2, dilate: false))
            #expect(Kernels.mean(edges) == Kernels.meanScalar(edges))
            #expect(Kernels.adaptiveThreshold(small, radius: 12, offset: 8, darkInk: true)
                == Kernels.adaptiveThresholdScalar(small, radius: 12, offset: 8, darkInk: true))
            // The locator's closed edge mask and a glyph mask, as the locator and line cutter label them.
            let (rowsClosed, closed) = PlateLocator.closing(Kernels.threshold(edges, 30))
            for mask in [rowsClosed, closed, Kernels.adaptiveThreshold(small, radius: 12, offset: 8, darkInk: true)] {
                let runs = ComponentLabeling(mask), pixels = ComponentLabeling(pixelwise: mask)
                #expect(runs.components == pixels.components)
                #expect(runs.labels == pixels.labels)
                let lookedUp = ComponentLabeling(mask, labelPlane: false)
                #expect((0..<mask.height).allSatisfy { y in (0..<mask.width).allSatisfy { x in lookedUp.label(x: x, y: y) == runs.labels[y * mask.width + x] } })
            }
        }
    }
}

/// Deterministic generator for test pictures.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
