import Foundation
import PlateWatchCore
import Testing
import Tracking

/// The character vote, plate.updated and the confidence floor, on scripted reads.
@Suite struct ConsensusTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    func read(_ plate: String, x: Int, confidence: Double = 0.9, display: String? = nil) -> PlateRead {
        PlateRead(plate: plate, display: display ?? plate, format: .vnOneLine, confidence: confidence,
                  box: PixelRect(x: x, y: 400, width: 200, height: 50), candidates: [], lines: 1)
    }

    func feed(_ tracker: inout PlateTracker, _ plates: [String], confidence: Double = 0.9, from frame: Int = 0) -> [Passage] {
        var out: [Passage] = []
        for (i, plate) in plates.enumerated() {
            let t = MediaTime(seconds: Double(frame + i) / 25)
            if let p = tracker.add(read(plate, x: 500 + 3 * (frame + i), confidence: confidence), at: t, wall: start.addingTimeInterval(t.seconds)) {
                out.append(p)
            }
            out += tracker.advance(to: t)
        }
        return out
    }

    @Test func theVoteFindsAPlateNoFrameReadWhole() {
        var tracker = PlateTracker()
        // Each frame misreads one character, never the same one twice in a row.
        let passages = feed(&tracker, ["51F67B90", "52F67890", "51F67899", "51F67B90", "52F67890", "51F67899"]) + tracker.finish()
        #expect(passages.map(\.plate) == ["51F67890"])
        #expect(passages[0].votes == 6, "every read is one character off the vote")
        #expect(passages[0].candidates.first?.plate == "51F67890")
    }

    @Test func aVotedTextThatIsNoPlateFallsBackToTheBestRead() {
        var tracker = PlateTracker(isPlate: { plate, _ in plate != "51F67890" })
        let passages = feed(&tracker, ["51F67B90", "52F67890", "51F67899", "51F67B90", "52F67890", "51F67899"]) + tracker.finish()
        #expect(passages.count == 1, "\(passages)")
        #expect(passages.first?.plate != "51F67890")
    }

    @Test func displayKeepsTheLayoutOfTheVotedPlate() {
        var tracker = PlateTracker()
        var out: [Passage] = []
        for (i, plate) in ["51F67B90", "51F67890", "51F67890", "51F67890"].enumerated() {
            let t = MediaTime(seconds: Double(i) / 25)
            let display = plate == "51F67B90" ? "51F-67B.90" : "51F-678.90"
            if let p = tracker.add(read(plate, x: 500, confidence: plate == "51F67B90" ? 0.99 : 0.9, display: display), at: t, wall: start) { out.append(p) }
        }
        #expect(out.map(\.display) == ["51F-678.90"])
    }

    @Test func laterReadsThatChangeThePlateGiveAnUpdateOfTheSamePassage() {
        var tracker = PlateTracker()
        let passages = feed(&tracker, Array(repeating: "51F67B90", count: 3) + Array(repeating: "51F67890", count: 8)) + tracker.finish()
        #expect(passages.map(\.plate) == ["51F67B90", "51F67890"])
        #expect(passages.map(\.change) == [.read, .updated])
        #expect(passages[0].id == passages[1].id, "the update names the passage it corrects")
    }

    @Test func readsThatConfirmThePlateGiveNoUpdate() {
        var tracker = PlateTracker()
        let passages = feed(&tracker, Array(repeating: "51F67890", count: 12) + ["51F67B90"]) + tracker.finish()
        #expect(passages.map(\.change) == [.read])
    }

    @Test func aTrackNeverConfidentEnoughGivesNoEvent() {
        var tracker = PlateTracker()
        #expect((feed(&tracker, Array(repeating: "51F67890", count: 10), confidence: 0.3) + tracker.finish()).isEmpty)
        var settings = TrackingSettings()
        settings.minConfidence = 0.2
        var lenient = PlateTracker(settings: settings)
        #expect((feed(&lenient, Array(repeating: "51F67890", count: 10), confidence: 0.3) + lenient.finish()).count == 1)
    }

    @Test func aBrokenTrackReadOneCharacterOffIsNotASecondPassage() {
        var tracker = PlateTracker()
        var passages = feed(&tracker, Array(repeating: "51F67890", count: 10))
        passages += tracker.advance(to: MediaTime(seconds: 2))
        passages += feed(&tracker, Array(repeating: "51F67B90", count: 10), from: 60)
        passages += tracker.finish()
        #expect(passages.map(\.plate) == ["51F67890"])
    }
}
