import PlateWatchCore

/// One 8-connected blob of set pixels: its bounding box and pixel count.
public struct Component: Sendable, Equatable {
    public var box: PixelRect
    public var pixelCount: Int
    /// Label used in `ComponentLabeling.labels` (1-based).
    public var label: Int32
}

/// Labels 8-connected regions of non-zero pixels.
///
/// Works on runs of set pixels rather than on pixels: a row's runs are found eight bytes at a time, joined to
/// the runs of the row above they touch (union-find over runs), and each run's label is written once at
/// the end. Per-pixel union-find was half the locator's time on 1080p frames (`perf`, bundled footage); a
/// closed edge mask has a few thousand runs against half a million pixels. `init(pixelwise:)` is the
/// plain per-pixel twin; tests assert both give the same labels and components.
/// Components are numbered in raster order of their first pixel.
public struct ComponentLabeling {
    public let components: [Component]
    /// Per-pixel component label, 0 for background; index into `components` is label − 1. Empty when the
    /// labelling was made without its plane (`init(_:labelPlane:)`); `label(x:y:)` answers either way.
    public let labels: [Int32]
    public let width: Int
    /// Each run of set pixels as [start, end) in its row, with its label; a row's runs are
    /// `rowRuns[y]..<rowRuns[y + 1]`. Kept only without a plane.
    private let runStart: [Int], runEnd: [Int], runLabel: [Int32], rowRuns: [Int]

    /// - Parameter labelPlane: write every pixel's label into `labels`. A caller that looks up a few labels
    ///   (the locator, one per candidate line) skips it: the plane of a half-size 1080p frame is 2 MB, which
    ///   malloc maps fresh and the kernel faults in page by page on every labelling. Without the locator's
    ///   two planes its p95 fell from 7.7 and 5.9 to 2.9 and 2.8 ms (`bench --accuracy-only`, in turn).
    public init(_ mask: LumaImage, labelPlane: Bool = true) {
        let w = mask.width, h = mask.height
        // Runs as [start, end) within their row; a row's runs are runStart[rowRuns[y]..<rowRuns[y + 1]].
        var runStart: [Int] = [], runEnd: [Int] = []
        var rowRuns = [Int](repeating: 0, count: h + 1)
        runStart.reserveCapacity(1024); runEnd.reserveCapacity(1024)
        mask.pixels.withUnsafeBytes { p in
            // Eight bytes at a time as one word: all clear is 0; (v − 0x01…) & ~v & 0x80… is 0 exactly when
            // no byte is 0. (`==` on a SIMD16 vector compiled to a lane-by-lane loop through the stack.)
            let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
            func word(_ i: Int) -> UInt64 { p.loadUnaligned(fromByteOffset: i, as: UInt64.self) }
            for y in 0..<h {
                rowRuns[y] = runStart.count
                let row = y * w
                var x = 0
                while x < w {
                    while x + 8 <= w, word(row + x) == 0 { x += 8 }
                    while x < w, p[row + x] == 0 { x += 1 }
                    guard x < w else { break }
                    let start = x
                    while x + 8 <= w, case let v = word(row + x), (v &- ones) & ~v & highs == 0 { x += 8 }
                    while x < w, p[row + x] != 0 { x += 1 }
                    runStart.append(start); runEnd.append(x)
                }
            }
            rowRuns[h] = runStart.count
        }

        var parent = Array(0..<runStart.count)
        func find(_ a: Int) -> Int {
            var a = a
            while parent[a] != a {
                parent[a] = parent[parent[a]]
                a = parent[a]
            }
            return a
        }
        for y in 1..<max(1, h) {
            var j = rowRuns[y - 1]
            let aboveEnd = rowRuns[y]
            for r in rowRuns[y]..<rowRuns[y + 1] {
                // 8-connected: a run above touches [start, end) when it reaches start − 1 … end.
                while j < aboveEnd, runEnd[j] < runStart[r] { j += 1 }
                var k = j
                while k < aboveEnd, runStart[k] <= runEnd[r] {
                    let ra = find(r), rb = find(k)
                    if ra != rb { parent[max(ra, rb)] = min(ra, rb) }
                    k += 1
                }
            }
        }

        var dense = [Int32](repeating: 0, count: runStart.count)
        var runLabel = [Int32](repeating: 0, count: runStart.count)
        var boxes = Boxes()
        for y in 0..<h {
            for r in rowRuns[y]..<rowRuns[y + 1] {
                let root = find(r)
                if dense[root] == 0 { dense[root] = boxes.open() }
                runLabel[r] = dense[root]
                boxes.add(to: runLabel[r], x0: runStart[r], x1: runEnd[r] - 1, y: y, pixels: runEnd[r] - runStart[r])
            }
        }
        components = boxes.components
        width = w
        guard labelPlane else {
            labels = []
            (self.runStart, self.runEnd, self.runLabel, self.rowRuns) = (runStart, runEnd, runLabel, rowRuns)
            return
        }
        var labels = [Int32](repeating: 0, count: w * h)
        labels.withUnsafeMutableBufferPointer { plane in
            for y in 0..<h {
                for r in rowRuns[y]..<rowRuns[y + 1] { plane[(y * w + runStart[r])..<(y * w + runEnd[r])].update(repeating: runLabel[r]) }
            }
        }
        self.labels = labels
        (self.runStart, self.runEnd, self.runLabel, self.rowRuns) = ([], [], [], [])
    }

    /// The label of pixel (x, y), 0 for background: from the plane, or from the row's runs where there is none.
    public func label(x: Int, y: Int) -> Int32 {
        guard labels.isEmpty else { return labels[y * width + x] }
        guard y >= 0, y + 1 < rowRuns.count else { return 0 }
        // The row's last run starting at or before x.
        var (lo, hi) = (rowRuns[y], rowRuns[y + 1])
        while lo < hi {
            let mid = (lo + hi) / 2
            if runStart[mid] <= x { lo = mid + 1 } else { hi = mid }
        }
        return lo > rowRuns[y] && x < runEnd[lo - 1] ? runLabel[lo - 1] : 0
    }

    /// The per-pixel twin: one pass of union-find over the pixels, joining each to its already-visited
    /// neighbours. Slow; kept as the reference the run labelling is tested against.
    public init(pixelwise mask: LumaImage) {
        let w = mask.width, h = mask.height
        var labels = [Int32](repeating: 0, count: w * h)
        var parent: [Int32] = [0]

        func find(_ a: Int32) -> Int32 {
            var a = a
            while parent[Int(a)] != a {
                parent[Int(a)] = parent[Int(parent[Int(a)])]
                a = parent[Int(a)]
            }
            return a
        }
        func union(_ a: Int32, _ b: Int32) {
            let ra = find(a), rb = find(b)
            if ra != rb { parent[Int(max(ra, rb))] = min(ra, rb) }
        }

        for y in 0..<h {
            for x in 0..<w where mask.pixels[y * w + x] != 0 {
                var label: Int32 = 0
                func join(_ n: Int32) {
                    guard n != 0 else { return }
                    if label == 0 { label = n } else if n != label { union(label, n) }
                }
                // Already-visited neighbours: W, NW, N, NE.
                if x > 0 { join(labels[y * w + x - 1]) }
                if y > 0 {
                    let above = (y - 1) * w + x
                    if x > 0 { join(labels[above - 1]) }
                    join(labels[above])
                    if x + 1 < w { join(labels[above + 1]) }
                }
                if label == 0 {
                    label = Int32(parent.count)
                    parent.append(label)
                }
                labels[y * w + x] = label
            }
        }

        var dense = [Int32](repeating: 0, count: parent.count)
        var boxes = Boxes()
        for i in 0..<(w * h) where labels[i] != 0 {
            let root = find(labels[i])
            if dense[Int(root)] == 0 { dense[Int(root)] = boxes.open() }
            labels[i] = dense[Int(root)]
            boxes.add(to: labels[i], x0: i % w, x1: i % w, y: i / w, pixels: 1)
        }
        components = boxes.components
        self.labels = labels
        self.width = w
        (runStart, runEnd, runLabel, rowRuns) = ([], [], [], [])
    }

    /// Bounding boxes and pixel counts gathered per dense label.
    private struct Boxes {
        var minX: [Int] = [], minY: [Int] = [], maxX: [Int] = [], maxY: [Int] = [], counts: [Int] = []

        /// A new component; returns its label.
        mutating func open() -> Int32 {
            minX.append(Int.max); minY.append(Int.max); maxX.append(-1); maxY.append(-1); counts.append(0)
            return Int32(counts.count)
        }

        mutating func add(to label: Int32, x0: Int, x1: Int, y: Int, pixels: Int) {
            let k = Int(label) - 1
            minX[k] = min(minX[k], x0); maxX[k] = max(maxX[k], x1)
            minY[k] = min(minY[k], y); maxY[k] = max(maxY[k], y)
            counts[k] += pixels
        }

        var components: [Component] {
            (0..<counts.count).map { k in
                Component(box: PixelRect(x: minX[k], y: minY[k], width: maxX[k] - minX[k] + 1, height: maxY[k] - minY[k] + 1),
                          pixelCount: counts[k], label: Int32(k + 1))
            }
        }
    }
}
