import PlateWatchCore

/// One 8-connected blob of set pixels: its bounding box and pixel count.
public struct Component: Sendable, Equatable {
    public var box: PixelRect
    public var pixelCount: Int
    /// Label used in `ComponentLabeling.labels` (1-based).
    public var label: Int32
}

/// Labels 8-connected regions of non-zero pixels with one pass of union-find over the rows.
public struct ComponentLabeling {
    public let components: [Component]
    /// Per-pixel component label, 0 for background; index into `components` is label − 1.
    public let labels: [Int32]
    public let width: Int

    public init(_ mask: LumaImage) {
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

        // Resolve to dense labels and gather boxes.
        var dense = [Int32](repeating: 0, count: parent.count)
        var minX: [Int] = [], minY: [Int] = [], maxX: [Int] = [], maxY: [Int] = [], counts: [Int] = []
        for i in 0..<(w * h) where labels[i] != 0 {
            let root = find(labels[i])
            if dense[Int(root)] == 0 {
                minX.append(Int.max); minY.append(Int.max); maxX.append(-1); maxY.append(-1); counts.append(0)
                dense[Int(root)] = Int32(counts.count)
            }
            let d = dense[Int(root)]
            labels[i] = d
            let k = Int(d) - 1, x = i % w, y = i / w
            minX[k] = min(minX[k], x); maxX[k] = max(maxX[k], x)
            minY[k] = min(minY[k], y); maxY[k] = max(maxY[k], y)
            counts[k] += 1
        }
        components = (0..<counts.count).map { k in
            Component(box: PixelRect(x: minX[k], y: minY[k], width: maxX[k] - minX[k] + 1, height: maxY[k] - minY[k] + 1),
                      pixelCount: counts[k], label: Int32(k + 1))
        }
        self.labels = labels
        self.width = w
    }
}
