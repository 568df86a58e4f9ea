import Foundation
import PlateWatchCore

/// A track's plate, voted character by character over its reads.
///
/// Reads of one vehicle disagree by a character here and there (a blurred 8 read as B in one frame, a
/// 0 as D in another), rarely at the same place: a per-position vote, weighted by each read's confidence,
/// recovers the plate even when no single frame read it whole. Only reads of the winning layout (format
/// and length) vote; a text the vote joins that is no plate falls back to the best-weighted whole read.
public struct Consensus: Sendable {
    /// All reads of one text on a track.
    public struct Vote: Sendable {
        public var count = 0
        public var weight = 0.0
        /// The most confident of these reads (its box and picture go into the event).
        public var best: PlateRead

        public init(best: PlateRead) { self.best = best }

        public mutating func add(_ read: PlateRead) {
            count += 1
            weight += read.confidence
            if read.confidence > best.confidence || count == 1 { best = read }
        }
    }

    public let plate: String
    public let display: String
    public let format: PlateFormat
    /// Reads of the winning layout at most one character off `plate`; reads equal to it; all reads.
    public let support: Int
    public let exact: Int
    public let reads: Int
    /// The smallest share of the vote any character won (1 when every read agrees).
    public let weakestShare: Double
    public let confidence: Double
    /// The read whose box and picture stand for the passage.
    public let best: PlateRead
    /// The plate first, then the other texts read, by weight; at most four.
    public let alternatives: [PlateAlternative]

    public init?(votes: [Vote], reads: Int, isPlate: (String, PlateFormat) -> Bool = { _, _ in true }) {
        guard !votes.isEmpty, reads > 0 else { return nil }
        // Sorted for determinism: dictionary order must not decide a tie.
        let all = votes.sorted { ($0.weight, $1.best.plate) > ($1.weight, $0.best.plate) }
        var layouts: [String: [Vote]] = [:]
        for vote in all { layouts["\(vote.best.format.rawValue)/\(vote.best.plate.count)", default: []].append(vote) }
        let group = layouts.values.max { a, b in
            let (wa, wb) = (a.map(\.weight).reduce(0, +), b.map(\.weight).reduce(0, +))
            return wa != wb ? wa < wb : a[0].best.plate > b[0].best.plate
        }!
        let total = group.map(\.weight).reduce(0, +)
        let length = group[0].best.plate.count
        let texts = group.map { Array($0.best.plate) }
        var chars: [Character] = []
        var weakest = 1.0
        for position in 0..<length {
            var tally: [Character: Double] = [:]
            for (vote, text) in zip(group, texts) { tally[text[position], default: 0] += vote.weight }
            let winner = tally.max { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key }!
            chars.append(winner.key)
            weakest = min(weakest, total > 0 ? winner.value / total : 0)
        }
        var plate = String(chars)
        let leader = group[0]
        if plate != leader.best.plate, !group.contains(where: { $0.best.plate == plate }), !isPlate(plate, leader.best.format) {
            plate = leader.best.plate
            weakest = total > 0 ? leader.weight / total : 0
        }
        let supporting = group.filter { Self.differences($0.best.plate, plate) <= 1 }
        let exactVote = group.first { $0.best.plate == plate }
        best = exactVote?.best ?? supporting.max { $0.best.confidence < $1.best.confidence }?.best ?? leader.best
        self.plate = plate
        display = Self.display(best.display, with: plate)
        format = best.format
        support = supporting.map(\.count).reduce(0, +)
        exact = exactVote?.count ?? 0
        self.reads = reads
        weakestShare = weakest
        let meanConfidence = supporting.map(\.weight).reduce(0, +) / Double(max(1, support))
        let agreement = Double(support) / Double(reads) * weakest
        confidence = ((meanConfidence * (0.5 + 0.5 * agreement)) * 1000).rounded() / 1000
        var alternatives = [PlateAlternative(plate: plate, confidence: confidence)]
        for vote in all where vote.best.plate != plate && alternatives.count < 4 {
            alternatives.append(PlateAlternative(plate: vote.best.plate, confidence: (vote.weight / Double(reads) * 1000).rounded() / 1000))
        }
        self.alternatives = alternatives
    }

    /// Positions where two texts of one length differ (a length change counts as many).
    static func differences(_ a: String, _ b: String) -> Int {
        let (x, y) = (Array(a), Array(b))
        guard x.count == y.count else { return max(x.count, y.count) }
        return zip(x, y).filter { $0 != $1 }.count
    }

    /// `display` with its letters and digits replaced, in order, by `plate`'s (separators and the line
    /// break kept): the voted plate written the way the plate is laid out.
    static func display(_ display: String, with plate: String) -> String {
        var replacement = Array(plate).makeIterator()
        return String(display.map { c in (c.isLetter || c.isNumber) ? (replacement.next() ?? c) : c })
    }
}
