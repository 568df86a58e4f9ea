/// A region of interest in frame pixels: where plates may be, so a sign or a parked truck outside the lane
/// never costs a read or becomes an event.
public struct Polygon: Sendable, Equatable {
    public var points: [(x: Double, y: Double)]

    public init(points: [(x: Double, y: Double)]) {
        self.points = points
    }

    /// Even-odd rule: a ray from the point crosses the outline an odd number of times when inside.
    public func contains(x: Double, y: Double) -> Bool {
        var inside = false
        var j = points.count - 1
        for i in points.indices {
            let (xi, yi) = points[i], (xj, yj) = points[j]
            if (yi > y) != (yj > y), x < (xj - xi) * (y - yi) / (yj - yi) + xi { inside.toggle() }
            j = i
        }
        return inside
    }

    public func contains(centreOf box: PixelRect) -> Bool {
        contains(x: Double(box.x) + Double(box.width) / 2, y: Double(box.y) + Double(box.height) / 2)
    }

    public static func == (a: Polygon, b: Polygon) -> Bool {
        a.points.count == b.points.count && zip(a.points, b.points).allSatisfy { $0.x == $1.x && $0.y == $1.y }
    }
}
