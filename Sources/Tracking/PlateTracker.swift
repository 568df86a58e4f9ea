import Foundation
import PlateWatchCore

/// A vehicle's plate as agreed over its frames: what a `plate.read` event is made from.
public struct Passage: Sendable, Equatable {
    public var plate: String
    public var display: String
    public var format: PlateFormat
    public var confidence: Double
    public var firstSeen: Date
    public var lastSeen: Date
    public var firstMedia: MediaTime
    public var lastMedia: MediaTime
    public var box: PixelRect
    /// Reads that agreed with `plate`, and all reads of the track.
    public var votes: Int
    public var reads: Int
    public var candidates: [PlateAlternative]
}

/// Follows plates across the frames of one camera and decides when a track is one vehicle's plate.
///
/// A value type that returns what to publish; it does no I/O, so tests drive it with scripted reads.
/// Reads join the track whose last box they overlap (or sit next to: a plate grows and moves as the
/// vehicle approaches); each track votes over its reads, weighted by confidence. A track is published
/// once: as soon as three reads agree and they are most of its reads (so a barrier can open early), or
/// when it ends with at least `minVotes` agreeing reads. A track with fewer is dropped silently.
public struct PlateTracker: Sendable {
    struct Vote: Sendable {
        var count = 0
        var weight = 0.0
        var best: PlateRead
    }

    struct Track: Sendable {
        var box: PixelRect
        /// Change of box per second (x, y, width, height), from the last two sightings.
        var velocity = SIMD4<Double>(repeating: 0)
        var firstMedia: MediaTime
        var lastMedia: MediaTime
        var firstSeen: Date
        var lastSeen: Date
        var votes: [String: Vote] = [:]
        var reads = 0
        var published = false

        /// Where the box should be at `time`, moving as it did between the last two sightings.
        func predicted(at time: MediaTime) -> PixelRect {
            let dt = min(0.5, max(0, time.seconds - lastMedia.seconds))
            let v = velocity * dt
            return PixelRect(x: box.x + Int(v[0]), y: box.y + Int(v[1]), width: max(1, box.width + Int(v[2])),
                             height: max(1, box.height + Int(v[3])))
        }

        mutating func move(to newBox: PixelRect, at time: MediaTime, wall: Date) {
            let dt = time.seconds - lastMedia.seconds
            if dt > 0 {
                let delta = SIMD4<Double>(Double(newBox.x - box.x), Double(newBox.y - box.y), Double(newBox.width - box.width),
                                          Double(newBox.height - box.height))
                velocity = delta / dt
            }
            box = newBox
            lastMedia = time
            lastSeen = wall
        }

        var leader: Vote? { votes.values.max { $0.weight < $1.weight || ($0.weight == $1.weight && $0.best.plate > $1.best.plate) } }
    }

    public let settings: TrackingSettings
    private var tracks: [Track] = []
    /// Published plates and when their track was last seen: a broken track is not a second passage.
    private var recentlyPublished: [String: Double] = [:]
    /// Reads that agree before a track is published while still in view.
    static let earlyVotes = 3

    public init(settings: TrackingSettings = TrackingSettings()) { self.settings = settings }

    public var activeTracks: Int { tracks.count }

    /// True when `box` belongs to a track whose plate is settled, so the frame need not be read again there.
    /// Only a clear overlap counts here: skipping a read on a mere neighbour would hide the next vehicle.
    public func isSettled(_ box: PixelRect, at time: MediaTime) -> Bool {
        guard let i = overlappingTrack(box, at: time) else { return false }
        return (tracks[i].leader?.count ?? 0) >= settings.settleVotes
    }

    /// A sighting without a read (a settled track's box in a later frame): keeps the track alive.
    public mutating func observe(box: PixelRect, at time: MediaTime, wall: Date) {
        guard let i = overlappingTrack(box, at: time) else { return }
        tracks[i].move(to: box, at: time, wall: wall)
    }

    /// Adds one frame's read; returns a passage if this read made its track confident.
    public mutating func add(_ read: PlateRead, at time: MediaTime, wall: Date) -> Passage? {
        let i: Int
        if let found = trackIndex(for: read.box, plate: read.plate, at: time) {
            i = found
        } else {
            tracks.append(Track(box: read.box, firstMedia: time, lastMedia: time, firstSeen: wall, lastSeen: wall))
            i = tracks.count - 1
        }
        tracks[i].move(to: read.box, at: time, wall: wall)
        tracks[i].reads += 1
        var vote = tracks[i].votes[read.plate] ?? Vote(best: read)
        vote.count += 1
        vote.weight += read.confidence
        if read.confidence > vote.best.confidence { vote.best = read }
        tracks[i].votes[read.plate] = vote

        guard !tracks[i].published, let leader = tracks[i].leader else { return nil }
        let needed = max(settings.minVotes, Self.earlyVotes)
        guard leader.count >= needed, Double(leader.count) >= 0.6 * Double(tracks[i].reads) else { return nil }
        tracks[i].published = true
        return isRepeat(tracks[i]) ? nil : passage(tracks[i])
    }

    private func isRepeat(_ track: Track) -> Bool {
        guard let plate = track.leader?.best.plate, let last = recentlyPublished[plate] else { return false }
        return track.firstMedia.seconds - last <= settings.repeatWindow
    }

    /// Remembers the published plates of tracks that end, and forgets those out of sight long enough.
    private mutating func remember(_ ended: [Track], at time: MediaTime) {
        for track in ended where track.published {
            if let plate = track.leader?.best.plate { recentlyPublished[plate] = max(recentlyPublished[plate] ?? 0, track.lastMedia.seconds) }
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
            if let passage = finalPassage(track) {
                passages.append(passage)
                track.published = true
            }
            return track
        }
        remember(closed, at: time)
        return passages
    }

    /// Ends every track (end of stream).
    public mutating func finish() -> [Passage] {
        let out = tracks.compactMap(finalPassage)
        tracks.removeAll()
        return out
    }

    private func finalPassage(_ track: Track) -> Passage? {
        guard !track.published, let leader = track.leader, leader.count >= settings.minVotes, !isRepeat(track) else { return nil }
        return passage(track)
    }

    private func passage(_ track: Track) -> Passage {
        let leader = track.leader!
        let agreement = Double(leader.count) / Double(max(1, track.reads))
        let meanConfidence = leader.weight / Double(leader.count)
        var candidates = track.votes.values.sorted { $0.weight > $1.weight }.prefix(4).map {
            PlateAlternative(plate: $0.best.plate, confidence: ($0.weight / Double(max(1, track.reads)) * 1000).rounded() / 1000)
        }
        if candidates.count == 1 { candidates = Array(leader.best.candidates.prefix(4)) }
        return Passage(
            plate: leader.best.plate, display: leader.best.display, format: leader.best.format,
            confidence: ((meanConfidence * (0.5 + 0.5 * agreement)) * 1000).rounded() / 1000,
            firstSeen: track.firstSeen, lastSeen: track.lastSeen, firstMedia: track.firstMedia, lastMedia: track.lastMedia,
            box: leader.best.box, votes: leader.count, reads: track.reads, candidates: candidates)
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
            if let leader = track.leader?.best.plate, PlateText.editDistance(plate, leader) > 2 { continue }
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
