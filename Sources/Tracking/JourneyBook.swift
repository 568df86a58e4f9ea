import Foundation
import PlateWatchCore

/// Vehicles' journeys through the crossing (entry → yard-in → yard-out → exit) and each yard's occupancy.
///
/// Fed every published `plate.read` in order. Steps that are missing or come in an odd order are kept and
/// flagged, never dropped: a truck first seen at `exit` is still a journey (`no-entry`), a truck that
/// leaves the crossing without being seen leaving its yard is counted out of the yard (`no-yard-out`), a
/// `yard-out` with no `yard-in` changes no count (`no-yard-in`). A count never goes below zero.
///
/// A value type with no I/O; the pipeline rebuilds it at start by replaying the outbox's recent events.
public struct JourneyBook: Sendable {
    struct Journey: Sendable {
        let id: UUID
        var started: Date
        var steps = 0
        var lastTime: Date
        var yard: String?
        var yardSince: Date?
        var flags: [String] = []

        mutating func flag(_ flag: String) { if !flags.contains(flag) { flags.append(flag) } }
    }

    public let site: String
    /// A journey with no passage for this long is over (a truck can wait days in a goods yard).
    public let timeout: TimeInterval
    private var journeys: [String: Journey] = [:]
    public private(set) var occupancy: [String: Int] = [:]

    public init(site: String, timeout: TimeInterval = 7 * 24 * 3600) {
        self.site = site
        self.timeout = timeout
    }

    /// Open journeys (vehicles inside the crossing, or seen lately).
    public var openJourneys: Int { journeys.count }

    /// Records a passage; returns its journey step and the yard count changes it made.
    /// A replayed event (a restart rebuilding the book from the outbox) passes the journey id it was published with.
    public mutating func record(_ event: PlateEvent, journeyId: UUID? = nil) -> (step: PlateEvent.JourneyStep, occupancy: [YardOccupancyEvent]) {
        let time = event.firstSeen
        journeys = journeys.filter { time.timeIntervalSince($0.value.lastTime) <= timeout }
        var changes: [YardOccupancyEvent] = []
        func count(_ yard: String, _ change: Int) {
            let now = max(0, (occupancy[yard] ?? 0) + change)
            guard now != occupancy[yard] ?? 0 else { return }
            occupancy[yard] = now
            changes.append(YardOccupancyEvent(id: UUID.derived(from: "\(event.id)|\(yard)|\(change)"), site: site, yard: yard,
                                              occupancy: now, change: change, plate: event.plate,
                                              passageId: event.passageId, camera: event.camera, time: time))
        }

        var journey: Journey
        if event.role == .entry || journeys[event.plate] == nil {
            // A new entry ends whatever journey the plate had: it left without being seen at exit.
            if let old = journeys[event.plate], let yard = old.yard { count(yard, -1) }
            journey = Journey(id: journeyId ?? UUID(), started: time, lastTime: time)
            if event.role != .entry { journey.flag("no-entry") }
        } else {
            journey = journeys[event.plate]!
            if time < journey.lastTime { journey.flag("out-of-order") }
            // A step older than the journey's start (a camera reporting late) moves the start back.
            journey.started = min(journey.started, time)
        }
        journey.steps += 1
        journey.lastTime = max(journey.lastTime, time)
        var dwell: Double?
        let yard = event.yard ?? "yard"
        switch event.role {
        case .entry:
            break
        case .yardIn:
            if journey.yard == yard {
                journey.flag("repeated-role")
            } else {
                if let other = journey.yard {
                    journey.flag("no-yard-out")
                    count(other, -1)
                }
                journey.yard = yard
                journey.yardSince = time
                count(yard, +1)
            }
        case .yardOut:
            if journey.yard == yard {
                dwell = journey.yardSince.map { time.timeIntervalSince($0) }
                journey.yard = nil
                journey.yardSince = nil
                count(yard, -1)
            } else {
                journey.flag("no-yard-in")
            }
        case .exit:
            if let inside = journey.yard {
                journey.flag("no-yard-out")
                count(inside, -1)
                journey.yard = nil
            }
        }
        let step = PlateEvent.JourneyStep(id: journey.id, step: journey.steps, elapsedSeconds: Self.rounded(time.timeIntervalSince(journey.started)),
                                          yardDwellSeconds: dwell.map(Self.rounded), flags: journey.flags)
        if event.role == .exit { journeys[event.plate] = nil } else { journeys[event.plate] = journey }
        return (step, changes)
    }

    private static func rounded(_ seconds: Double) -> Double { (seconds * 1000).rounded() / 1000 }
}
