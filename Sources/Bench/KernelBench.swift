import Foundation
import Ingest
import PlateWatchCore
import Vision

/// Each SIMD kernel against its scalar twin on a real frame: median time of repeated runs and speed-up.
public struct KernelResult: Encodable, Sendable {
    public var kernel: String
    public var simdMs: Double
    public var scalarMs: Double
    public var speedup: Double
    /// The two outputs were compared byte for byte on this frame too.
    public var identical: Bool

    public init(kernel: String, simdMs: Double, scalarMs: Double, speedup: Double, identical: Bool) {
        (self.kernel, self.simdMs, self.scalarMs, self.speedup, self.identical) = (kernel, simdMs, scalarMs, speedup, identical)
    }

    enum CodingKeys: String, CodingKey {
        case kernel, speedup, identical
        case simdMs = "simd_ms"
        case scalarMs = "scalar_ms"
    }
}

enum KernelBench {
    static func run(frame: LumaImage, repeats: Int = 15) -> [KernelResult] {
        let small = Kernels.downscale2x(frame)
        let edges = Kernels.horizontalGradient(small)
        let mask = Kernels.threshold(edges, 40)
        let cases: [(String, () -> LumaImage, () -> LumaImage)] = [
            ("downscale 2×2 (full frame)", { Kernels.downscale2x(frame) }, { Kernels.downscale2xScalar(frame) }),
            ("vertical-edge map", { Kernels.horizontalGradient(small) }, { Kernels.horizontalGradientScalar(small) }),
            ("threshold", { Kernels.threshold(edges, 40) }, { Kernels.thresholdScalar(edges, 40) }),
            ("row dilation r=4", { Kernels.rowMorphology(mask, radius: 4, dilate: true) }, { Kernels.rowMorphologyScalar(mask, radius: 4, dilate: true) }),
            ("column erosion r=2", { Kernels.columnMorphology(mask, radius: 2, dilate: false) }, { Kernels.columnMorphologyScalar(mask, radius: 2, dilate: false) }),
            // The reader runs it on plate crops; a half-size frame gives a measurable time.
            ("adaptive threshold r=12 (half frame)", { Kernels.adaptiveThreshold(small, radius: 12, offset: 8, darkInk: true) },
             { Kernels.adaptiveThresholdScalar(small, radius: 12, offset: 8, darkInk: true) }),
        ]
        var results = cases.map { name, simd, scalar in
            let a = median(repeats) { _ = simd() }, b = median(repeats) { _ = scalar() }
            return KernelResult(kernel: name, simdMs: a, scalarMs: b, speedup: a > 0 ? b / a : 0, identical: simd() == scalar())
        }
        let a = median(repeats) { _ = Kernels.mean(edges) }, b = median(repeats) { _ = Kernels.meanScalar(edges) }
        results.append(KernelResult(kernel: "mean", simdMs: a, scalarMs: b, speedup: a > 0 ? b / a : 0,
                                    identical: Kernels.mean(edges) == Kernels.meanScalar(edges)))
        // Labelling by runs against the per-pixel twin, on the mask the locator labels.
        let closed = PlateLocator.closing(mask).both
        let runs = median(repeats) { _ = ComponentLabeling(closed) }, pixels = median(repeats) { _ = ComponentLabeling(pixelwise: closed) }
        let byRuns = ComponentLabeling(closed), byPixels = ComponentLabeling(pixelwise: closed)
        results.append(KernelResult(kernel: "component labelling: runs vs per pixel (closed mask)", simdMs: runs, scalarMs: pixels, speedup: runs > 0 ? pixels / runs : 0,
                                    identical: byRuns.components == byPixels.components && byRuns.labels == byPixels.labels))
        return results
    }

    /// Median milliseconds of `repeats` runs, after one warm-up run.
    static func median(_ repeats: Int, _ body: () -> Void) -> Double {
        body()
        var times: [Double] = []
        for _ in 0..<repeats {
            let start = DispatchTime.now().uptimeNanoseconds
            body()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
        }
        return times.sorted()[repeats / 2]
    }
}
