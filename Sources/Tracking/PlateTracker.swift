import Foundation
import PlateWatchCore

/// A vehicle's plate as agreed over its frames: what a `plate.read` (or `plate.updated`) event is made from.
public struct Passage: Sendable, Equatable {
    public enum Change: String, Sendable {
        /// The first confident consensus of a track.
        case read
        /// Later reads changed the plate of a passage already published (same `id`).
        case updated
    }
    /// Same for every passage of one track: a `plate.updated` names the `plate.read` it corrects.
    public var id: UUID
    public var change: Change = .read
    public var plate: String
    public var display: String
    public var format: PlateFormat
    public var confidence: Double
    public var firstSeen: Date
    public var lastSeen: Date
    public var firstMedia: MediaTime
    public var lastMedia: MediaTime
    public var box: PixelRect
    /// Reads that support `plate` (same layout, at most one character off), and all reads of the track.
    public var votes: Int
    public var reads: Int
    public var candidates: [PlateAlternative]
    /// The plate region of the best supporting read, for the event's crop.
    public var image: LumaImage?
}

/// Follows plates across the frames of one camera and decides when a track is one vehicle's plate.
///
/// A value type that returns what to publish; it does no I/O, so tests drive it with scripted reads.
/// Reads join the track whose last box they overlap (or sit next to: a plate grows and moves as the
/// vehicle approaches); each track votes over its reads character by character (`Consensus`), weighted by
/// confidence. A track is published once, as soon as its consensus is confident (so a barrier can open
/// early), or when it ends with at least `minVotes` supporting reads; a track whose consensus never
/// reaches `minConfidence` is dropped silently. Reads after publishing that change the consensus give a
/// `.updated` passage with the same id.
public struct PlateTracker: Sendable {
    struct Track: Sendable {
        let id: UUID
        var box: PixelRect
        /// Change of box per second (x, y, width, height), from the last two sightings.
        var velocity = SIMD4<Double>(repeating: 0)
        var firstMedia: MediaTime
        var lastMedia: MediaTime
        var firstSeen: Date
        var lastSeen: Date
        var votes: [String: Consensus.Vote] = [:]
        var reads = 0
        /// The vote over `votes`, redone when a read is added: settling and matching look at it every frame.
        var consensus: Consensus?
        /// The plate last published for this track, and how many updates followed the first read.
        var published: String?
        var updates = 0

        /// Where the box should be at `time`, moving as it did between the last two sightings.
        func predicted(at time: MediaTime) -> PixelRect {
            let dt = min(0.5, max(0, time.seconds - lastMedia.seconds))
            let v = velocity * dt
            return PixelRect(x: box.x + Int(v[0]), y: box.y + Int(v[1]), width: max(1, box.width + Int(v[2])),
                             height: max(1, box.height + Int(v[3])))
        }

        mutating func move(to newBox: PixelRect, at time: MediaTime, wall: Date) {
            let dt = time.seconds - lastMedia.seconds
            // Live streams can put two frames a microsecond apart (timestamp jitter): a velocity from such a
            // gap is noise that would fling the predicted box off the frame. Bounded to 5,000 px/s as well.
            if dt >= 0.01 {
                let delta = SIMD4<Double>(Double(newBox.x - box.x), Double(newBox.y - box.y), Double(newBox.width - box.width),
                                          Double(newBox.height - box.height))
                velocity = (delta / dt).clamped(lowerBound: SIMD4(repeating: -5000), upperBound: SIMD4(repeating: 5000))
            }
            box = newBox
            lastMedia = time
            lastSeen = wall
        }
    }

    public let settings: TrackingSettings
    /// Whether a text the vote put together is a plate (the grammar lives in OCR; the pipeline passes it).
    private let isPlate: @Sendable (String, PlateFormat) -> Bool
    private var tracks: [Track] = []
    /// Published plates and when their track was last seen: a broken track is not a second passage.
    private var recentlyPublished: [String: Double] = [:]
    /// Supporting reads a consensus needs before a track is published while still in view.
    static let earlyVotes = 3
    static let unanimousConfidence = 0.95
    /// A track's plate changes at most this often after its first event: a vote that keeps swinging is
    /// not worth an event per swing.
    static let maxUpdates = 2

    public init(settings: TrackingSettings = TrackingSettings(),
                isPlate: @escaping @Sendable (String, PlateFormat) -> Bool = { _, _ in true }) {
        self.settings = settings
        self.isPlate = isPlate
    }

    public var activeTracks: Int { tracks.count }

    /// True when `box` belongs to a track whose plate is settled, so the frame need not be read again there.
    /// Only a clear overlap counts here: skipping a read on a mere neighbour would hide the next vehicle.
    public func isSettled(_ box: PixelRect, at time: MediaTime) -> Bool {
        guard let i = overlappingTrack(box, at: time), let consensus = tracks[i].consensus else { return false }
        return consensus.exact >= settings.settleVotes
    }

    /// A sighting without a read (a settled track's box in a later frame): keeps the track alive.
    public mutating func observe(box: PixelRect, at time: MediaTime, wall: Date) {
        guard let i = overlappingTrack(box, at: time) else { return }
        tracks[i].move(to: box, at: time, wall: wall)
    }

    /// Adds one frame's read; returns a passage if this read made its track confident, or changed the
    /// plate of a track already published.
    public mutating func add(_ read: PlateRead, at time: MediaTime, wall: Date) -> Passage? {
        let i: Int
        if let found = trackIndex(for: read.box, plate: read.plate, at: time) {
            i = found
        } else {
            tracks.append(Track(id: UUID(), box: read.box, firstMedia: time, lastMedia: time, firstSeen: wall, lastSeen: wall))
            i = tracks.count - 1
        }
        tracks[i].move(to: read.box, at: time, wall: wall)
        tracks[i].reads += 1
        tracks[i].votes[read.plate, default: Consensus.Vote(best: read)].add(read)

        tracks[i].consensus = Consensus(votes: Array(tracks[i].votes.values), reads: tracks[i].reads, isPlate: isPlate)
        guard let consensus = tracks[i].consensus, isConfident(consensus, early: true) else { return nil }
        if let published = tracks[i].published {
            guard consensus.plate != published, tracks[i].updates < Self.maxUpdates else { return nil }
            tracks[i].updates += 1
            tracks[i].published = consensus.plate
            return passage(tracks[i], consensus, change: .updated)
        }
        tracks[i].published = consensus.plate
        return isRepeat(tracks[i], consensus.plate) ? nil : passage(tracks[i], consensus, change: .read)
    }

    /// Early: enough reads support the plate, most of the track's reads do, every character is clearly
    /// voted, and the plate itself was read twice (a vote can join characters no read had together); or
    /// every read so far, at least two, is exactly this plate and very sure (a blurred or half-hidden plate
    /// may give no third read before the track ends, and the barrier should not wait for the timeout).
    /// At the end of a track `minVotes` supporting reads are enough.
    private func isConfident(_ c: Consensus, early: Bool) -> Bool {
        guard c.confidence >= settings.minConfidence, isPlate(c.plate, c.format) else { return false }
        guard early else { return c.support >= settings.minVotes }
        let unanimous = c.exact >= max(settings.minVotes, 2) && c.exact == c.reads && c.confidence >= Self.unanimousConfidence
        return unanimous || c.support >= max(settings.minVotes, Self.earlyVotes) && Double(c.support) >= 0.6 * Double(c.reads)
            && c.weakestShare >= 0.6 && c.exact >= 2
    }

    /// A plate published lately on this camera, or one character off it (a Hanzi read as another province
    /// on a track that broke), is the same vehicle again.
    private func isRepeat(_ track: Track, _ plate: String) -> Bool {
        recentlyPublished.contains { published, last in
            Consensus.differences(published, plate) <= 1 && track.firstMedia.seconds - last <= settings.repeatWindow
        }
    }

    /// Remembers the published plates of tracks that end, and forgets those out of sight long enough.
    private mutating func remember(_ ended: [Track], at time: MediaTime) {
        for track in ended {
            if let plate = track.published { recentlyPublished[plate] = max(recentlyPublished[plate] ?? 0, track.lastMedia.seconds) }
        }
        recentlyPublished = recentlyPublished.filter { time.seconds - $0.value <= settings.repeatWindow }
    }

    /// Ends tracks not seen for `trackTimeout` seconds before `time`; returns passages to publish.
    public mutating func advance(to time: MediaTime) -> [Passage] {
        let timeout = settings.trackTimeout
        let ended = tracks.filter { time.seconds - $0.lastMedia.seconds > timeout }
        guard !ended.isEmpty else { return [] }
        tracks.removeAll { time.seconds - $0.lastMedia.seconds > timeout }
        var passages: [Passage] = []
        let closed = ended.map { track in
            var track = track
            if let passage = finalPassage(&track) { passages.append(passage) }
            return track
        }
        remember(closed, at: time)
        return passages
    }

    /// Ends every track (end of stream).
    public mutating func finish() -> [Passage] {
        var out: [Passage] = []
        for i in tracks.indices { if let p = finalPassage(&tracks[i]) { out.append(p) } }
        tracks.removeAll()
        return out
    }

    /// What an ending track still has to say: its first event, or an update when its reads since moved the
    /// vote to another plate.
    private func finalPassage(_ track: inout Track) -> Passage? {
        guard let consensus = track.consensus else { return nil }
        if let published = track.published {
            guard consensus.plate != published, track.updates < Self.maxUpdates, isConfident(consensus, early: true) else { return nil }
            track.updates += 1
            track.published = consensus.plate
            return passage(track, consensus, change: .updated)
        }
        guard isConfident(consensus, early: false), !isRepeat(track, consensus.plate) else { return nil }
        track.published = consensus.plate
        return passage(track, consensus, change: .read)
    }

    private func passage(_ track: Track, _ c: Consensus, change: Passage.Change) -> Passage {
        var candidates = c.alternatives
        if candidates.count == 1 { candidates = Array(c.best.candidates.prefix(4)) }
        return Passage(
            id: track.id, change: change, plate: c.plate, display: c.display, format: c.format, confidence: c.confidence,
            firstSeen: track.firstSeen, lastSeen: track.lastSeen, firstMedia: track.firstMedia, lastMedia: track.lastMedia,
            box: c.best.box, votes: c.support, reads: track.reads, candidates: candidates, image: c.best.image)
    }

    /// Overlap is measured against the smaller box: a located region is padded around the plate's text,
    /// while a track keeps the text's own box.
    private func overlappingTrack(_ box: PixelRect, at time: MediaTime) -> Int? {
        let scored = tracks.indices.map { ($0, tracks[$0].predicted(at: time).overlapOfSmaller(box)) }.filter { $0.1 >= 0.6 }
        return scored.max { $0.1 < $1.1 }?.0
    }

    /// The track a box belongs to: best overlap with the last box, or next to it at a similar size; with a
    /// plate, only a track whose leading plate is within two edits of it (the next vehicle often appears
    /// where the last one left, before its track has timed out).
    private func trackIndex(for box: PixelRect, plate: String, at time: MediaTime) -> Int? {
        var best: (Int, Double)?
        for (i, track) in tracks.enumerated() {
            if let leader = track.consensus?.plate, PlateText.editDistance(plate, leader) > 2 { continue }
            let expected = track.predicted(at: time)
            var score = expected.intersectionOverUnion(box)
            if score < 0.05 {
                let dx = Double(box.x + box.width / 2 - expected.x - expected.width / 2)
                let dy = Double(box.y + box.height / 2 - expected.y - expected.height / 2)
                let reach = Double(max(expected.width, box.width))
                let sizeRatio = Double(box.width) / Double(max(1, expected.width))
                guard (dx * dx + dy * dy).squareRoot() < reach, sizeRatio > 0.5, sizeRatio < 2 else { continue }
                score = 0.05
            }
            if best == nil || score > best!.1 { best = (i, score) }
        }
        return best?.0
    }
}
