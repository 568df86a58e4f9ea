import Foundation
import PlateWatchCore

/// Merges the passages that the cameras of one lane (one `group`) report for one vehicle.
///
/// Two cameras on a lane see every truck, each from its own angle, and each camera's tracker publishes
/// it. The first camera's event goes out at once (a barrier waits on it); a passage from another camera of
/// the group, within `window` seconds and of the same plate or one character off, is the same vehicle: it
/// only adds a sighting, unless it reads the plate differently with more confidence, in which case a
/// `plate.updated` with the first event's `passage_id` and every sighting so far goes out.
///
/// A value type fed in publishing order; it does no I/O, so tests drive it with scripted events.
public struct LaneMerger: Sendable {
    struct Open: Sendable {
        /// The passage as last published (its `passage_id` is the lane's).
        var event: PlateEvent
        var time: Double
        var cameras: Set<String>
    }

    public let window: Double
    private var open: [Open] = []
    /// A camera passage merged into a lane passage: camera passage id → lane passage id.
    private var aliases: [UUID: UUID] = [:]
    private var latest = -Double.infinity

    public init(window: Double) { self.window = window }

    /// Lane passages still open for merging.
    public var openPassages: Int { open.count }

    /// The event to publish for `event` (from one camera's tracker), or nil when it is a sighting of a
    /// passage already published that changes nothing.
    public mutating func merge(_ event: PlateEvent) -> PlateEvent? {
        let time = Self.time(of: event)
        latest = max(latest, time)
        // Closed passages are forgotten: bounded memory over months of traffic.
        open.removeAll { latest - $0.time > 2 * window }
        aliases = aliases.filter { alias in open.contains { $0.event.passageId == alias.value } }

        switch event.type {
        case .plateRead:
            if let i = open.firstIndex(where: { candidate in
                candidate.event.group == event.group && !candidate.cameras.contains(event.camera)
                    && abs(candidate.time - time) <= window && Consensus.differences(candidate.event.plate, event.plate) <= 1
            }) {
                aliases[event.passageId] = open[i].event.passageId
                open[i].cameras.insert(event.camera)
                open[i].event.sightings.append(PlateEvent.Sighting(camera: event.camera, time: event.firstSeen, confidence: event.confidence))
                open[i].event.sightings.sort { $0.time < $1.time }
                guard event.plate != open[i].event.plate, event.confidence > open[i].event.confidence else { return nil }
                return update(&open[i], with: event)
            }
            var first = event
            first.sightings = [PlateEvent.Sighting(camera: event.camera, time: event.firstSeen, confidence: event.confidence)]
            open.append(Open(event: first, time: time, cameras: [event.camera]))
            return first
        case .plateUpdated:
            let lane = aliases[event.passageId] ?? event.passageId
            guard let i = open.firstIndex(where: { $0.event.passageId == lane }) else { return event }
            if let s = open[i].event.sightings.firstIndex(where: { $0.camera == event.camera }) {
                open[i].event.sightings[s].confidence = event.confidence
            }
            // Another camera's update counts only if it is surer than the plate the lane published.
            guard event.plate != open[i].event.plate, lane == event.passageId || event.confidence > open[i].event.confidence else { return nil }
            return update(&open[i], with: event)
        }
    }

    private func update(_ lane: inout Open, with event: PlateEvent) -> PlateEvent {
        var updated = event
        // Same lane passage, same new plate: the same id on a rerun of the same files.
        updated.id = UUID.derived(from: "\(lane.event.passageId)|lane-update|\(event.plate)|\(event.camera)")
        updated.type = .plateUpdated
        updated.passageId = lane.event.passageId
        updated.sightings = lane.event.sightings
        updated.firstSeen = min(lane.event.firstSeen, event.firstSeen)
        lane.event = updated
        return updated
    }

    /// Media time for file sources (cameras replaying footage run faster than the clock), wall time for live.
    static func time(of event: PlateEvent) -> Double {
        event.mediaTime?.first ?? event.firstSeen.timeIntervalSince1970
    }
}
