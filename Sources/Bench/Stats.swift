import Histogram

/// Durations in an HdrHistogram (microsecond resolution, up to an hour), reported in milliseconds.
public struct DurationStats: Sendable {
    private var histogram = Histogram<UInt64>(highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: .three)
    public private(set) var total = 0.0

    public init() {}

    public mutating func record(seconds: Double) {
        _ = histogram.record(UInt64(max(0, seconds) * 1e6))
        total += max(0, seconds)
    }

    public var count: Int { Int(histogram.totalCount) }

    public mutating func merge(_ other: DurationStats) {
        histogram.add(other.histogram)
        total += other.total
    }

    public func percentileMs(_ p: Double) -> Double {
        count == 0 ? 0 : Double(histogram.valueAtPercentile(p)) / 1000
    }

    public var summary: Summary {
        Summary(count: count, p50: percentileMs(50), p95: percentileMs(95), p99: percentileMs(99), totalSeconds: total)
    }

    public struct Summary: Codable, Sendable, Equatable {
        public var count: Int
        public var p50: Double
        public var p95: Double
        public var p99: Double
        public var totalSeconds: Double

        enum CodingKeys: String, CodingKey {
            case count
            case p50 = "p50_ms"
            case p95 = "p95_ms"
            case p99 = "p99_ms"
            case totalSeconds = "total_s"
        }
    }
}
