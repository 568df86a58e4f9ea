import Foundation
import PlateWatchCore

/// A published event as the benchmark saw it: when (media and wall time) it became publishable.
public struct ObservedEvent: Sendable {
    public var event: PlateEvent
    public var clip: String
    public var emittedMedia: Double
    public var emittedWall: Date

    public init(event: PlateEvent, clip: String, emittedMedia: Double, emittedWall: Date) {
        self.event = event
        self.clip = clip
        self.emittedMedia = emittedMedia
        self.emittedWall = emittedWall
    }
}

/// Vehicle-level accuracy of one run against ground truth.
///
/// A vehicle is found when an event of its clip carries its exact plate and overlaps its time in view
/// (±1 s); each event can find one vehicle, so a second event for a vehicle counts against precision.
public struct AccuracyScore: Sendable {
    public struct Tally: Codable, Sendable, Equatable {
        public var vehicles = 0
        public var found = 0
        public var recall: Double { vehicles == 0 ? 0 : Double(found) / Double(vehicles) }
    }

    public var vehicles = 0
    public var found = 0
    public var events = 0
    public var correctEvents = 0
    /// Characters right over characters in the plates, best event per vehicle (edit distance).
    public var characterAccuracy = 0.0
    public var byFormat: [String: Tally] = [:]
    public var byLight: [String: Tally] = [:]
    public var missed: [String] = []
    public var wrong: [String] = []
    /// Frames where no plate is readable, and reads on them that are no plate of the clip nor a misread of one.
    public var framesWithoutPlate = 0
    public var falseReads = 0
    /// The first false reads, as `clip: plate at frame N`, to see what the reader takes for plates.
    public var falseReadExamples: [String] = []
    /// Misreads of a plate just entering or leaving readability (within two edits of a plate in view
    /// within ±1 s): reading errors, counted apart from text that is no plate at all.
    public var nearMisses = 0
    public var falseReadsPer1000Frames: Double { framesWithoutPlate == 0 ? 0 : Double(falseReads) * 1000 / Double(framesWithoutPlate) }

    /// Frame reads at or above `calibrationLevel` confidence, and how many of them were a plate in view.
    public static let calibrationLevel = 0.9
    public var confidentReads = 0
    public var confidentReadsRight = 0
    public var confidentReadPrecision: Double { confidentReads == 0 ? 0 : Double(confidentReadsRight) / Double(confidentReads) }

    /// Scores frame reads: false reads (no plate of the clip, on frames where no plate is readable) and
    /// calibration (a read is right when it is the plate of a vehicle in view within ±1 s of the frame).
    public mutating func scoreReads(clip: FootageSet.Clip, frames: Int, reads: [Int: [PlateAlternative]]) {
        let truth = clip.truth
        let plates = Set(truth.vehicles.map(\.plate))
        let readable = truth.vehicles.map { $0.firstFrame...$0.lastFrame }
        let slack = Int(truth.fps)
        func near(_ plate: String, _ index: Int) -> Bool {
            truth.vehicles.contains { v in
                v.firstFrame - slack <= index && index <= v.lastFrame + slack && PlateText.editDistance(v.plate, plate) <= 2
            }
        }
        for index in 0..<frames where !readable.contains(where: { $0.contains(index) }) {
            framesWithoutPlate += 1
            for read in reads[index] ?? [] where !plates.contains(read.plate) {
                if near(read.plate, index) {
                    nearMisses += 1
                    continue
                }
                falseReads += 1
                if falseReadExamples.count < 20 { falseReadExamples.append("\(clip.id): \(read.plate) at frame \(index)") }
            }
        }
        for (index, frameReads) in reads {
            let inView = Set(truth.vehicles.filter { $0.firstFrame - slack <= index && index <= $0.lastFrame + slack }.map(\.plate))
            for read in frameReads where read.confidence >= Self.calibrationLevel {
                confidentReads += 1
                if inView.contains(read.plate) { confidentReadsRight += 1 }
            }
        }
    }
    public var recall: Double { vehicles == 0 ? 0 : Double(found) / Double(vehicles) }
    public var precision: Double { events == 0 ? 0 : Double(correctEvents) / Double(events) }

    public init() {}

    /// Scores events and returns the media-time latency (seconds) from each found vehicle's first
    /// readable frame to its event, keyed by clip and vehicle index.
    public mutating func score(clip: FootageSet.Clip, events: [ObservedEvent]) -> [(vehicle: Int, media: Double, event: ObservedEvent)] {
        let truth = clip.truth
        let clipEvents = Self.passages(events)
        self.events += clipEvents.count
        var used = Set<UUID>()
        var latencies: [(Int, Double, ObservedEvent)] = []
        var charactersRight = 0, characters = 0
        for (index, vehicle) in truth.vehicles.enumerated() {
            vehicles += 1
            let format = vehicle.format, light = truth.night == true ? "night" : "day"
            byFormat[format, default: Tally()].vehicles += 1
            byLight[light, default: Tally()].vehicles += 1
            let from = Double(vehicle.firstFrame) / truth.fps - 1, to = Double(vehicle.lastFrame) / truth.fps + 1
            let overlapping = clipEvents.filter { e in
                !used.contains(e.event.id) && (e.event.mediaTime.map { $0.first <= to && $0.last >= from } ?? false)
            }
            let best = overlapping.min { PlateText.editDistance($0.event.plate, vehicle.plate) < PlateText.editDistance($1.event.plate, vehicle.plate) }
            characters += vehicle.plate.count
            charactersRight += max(0, vehicle.plate.count - (best.map { PlateText.editDistance($0.event.plate, vehicle.plate) } ?? vehicle.plate.count))
            if let hit = overlapping.first(where: { $0.event.plate == vehicle.plate }) {
                used.insert(hit.event.id)
                found += 1
                byFormat[format]!.found += 1
                byLight[light]!.found += 1
                latencies.append((index, hit.emittedMedia - Double(vehicle.firstFrame) / truth.fps, hit))
            } else {
                missed.append("\(clip.id): \(vehicle.display)" + (best.map { " (read \($0.event.display))" } ?? ""))
            }
        }
        correctEvents += used.count
        wrong += clipEvents.filter { !used.contains($0.event.id) }.map { "\(clip.id): \($0.event.display) at \(String(format: "%.2f", $0.emittedMedia)) s" }
        let previousCharacters = Double(characterTotal)
        characterTotal += characters
        characterAccuracy = (characterAccuracy * previousCharacters + Double(charactersRight)) / Double(max(1, characterTotal))
        return latencies
    }

    private var characterTotal = 0

    /// A passage's events (its `plate.read`, then any `plate.updated`) as one: the last plate, timed when
    /// that plate was first published (a right `plate.read` later confirmed keeps its early time).
    public static func passages(_ events: [ObservedEvent]) -> [ObservedEvent] {
        var order: [UUID] = []
        var byPassage: [UUID: [ObservedEvent]] = [:]
        for e in events {
            if byPassage[e.event.passageId] == nil { order.append(e.event.passageId) }
            byPassage[e.event.passageId, default: []].append(e)
        }
        return order.map { id in
            let all = byPassage[id]!
            var last = all[all.count - 1]
            if let first = all.first(where: { $0.event.plate == last.event.plate }) { last.emittedMedia = first.emittedMedia }
            return last
        }
    }

}
