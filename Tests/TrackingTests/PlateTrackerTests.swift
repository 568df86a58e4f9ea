import Foundation
import PlateWatchCore
import Testing
import Tracking

/// Scripted reads drive the tracker with no video: one vehicle per passage, early when reads agree.
@Suite struct PlateTrackerTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    func read(_ plate: String, x: Int, y: Int = 400, width: Int = 200, confidence: Double = 0.9) -> PlateRead {
        PlateRead(plate: plate, display: plate, format: .vnOneLine, confidence: confidence,
                  box: PixelRect(x: x, y: y, width: width, height: width / 4), candidates: [], lines: 1)
    }

    /// Feeds one read per frame at 25 fps, the box drifting as an approaching vehicle's does.
    func feed(_ tracker: inout PlateTracker, _ plates: [String?], from frame: Int = 0, x0: Int = 500) -> [Passage] {
        var out: [Passage] = []
        for (i, plate) in plates.enumerated() {
            let t = MediaTime(seconds: Double(frame + i) / 25)
            if let plate, let p = tracker.add(read(plate, x: x0 + 3 * i), at: t, wall: start.addingTimeInterval(t.seconds)) { out.append(p) }
            out += tracker.advance(to: t)
        }
        return out
    }

    @Test func agreeingReadsPublishOnceAndEarly() {
        var tracker = PlateTracker()
        let passages = feed(&tracker, Array(repeating: "51F67890", count: 20)) + tracker.finish()
        #expect(passages.count == 1)
        #expect(passages[0].plate == "51F67890")
        #expect(passages[0].votes == 3, "published on the third agreeing read, while the vehicle is still in view")
        #expect(passages[0].firstMedia == MediaTime(seconds: 0))
    }

    @Test func twoVerySureIdenticalReadsAndNothingElsePublishAtOnce() {
        // A blurred truck gives two reads in its whole pass: the barrier gets the plate on the second.
        var tracker = PlateTracker()
        let t0 = MediaTime(seconds: 0), t1 = MediaTime(seconds: 0.12)
        #expect(tracker.add(read("51F67890", x: 500, confidence: 0.97), at: t0, wall: start) == nil)
        let second = tracker.add(read("51F67890", x: 504, confidence: 0.98), at: t1, wall: start.addingTimeInterval(0.12))
        #expect(second?.plate == "51F67890" && second?.votes == 2)
        // Two less sure reads wait for a third, or for the track to end.
        var unsure = PlateTracker()
        #expect(unsure.add(read("29A12345", x: 500, confidence: 0.9), at: t0, wall: start) == nil)
        #expect(unsure.add(read("29A12345", x: 504, confidence: 0.9), at: t1, wall: start) == nil)
        // Two sure reads that disagree anywhere are not unanimous either.
        var split = PlateTracker()
        #expect(split.add(read("30A12345", x: 500, confidence: 0.97), at: t0, wall: start) == nil)
        #expect(split.add(read("30A12346", x: 504, confidence: 0.97), at: t1, wall: start) == nil)
    }

    @Test func missedFramesDoNotSplitAVehicle() {
        var tracker = PlateTracker()
        let script: [String?] = ["51F67890", nil, nil, "51F67890", nil, nil, nil, "51F67890", nil, "51F67890"]
        #expect((feed(&tracker, script) + tracker.finish()).count == 1)
    }

    @Test func oneStrayReadIsNoEvent() {
        var tracker = PlateTracker()
        #expect((feed(&tracker, ["30A12345"]) + tracker.finish()).isEmpty)
    }

    @Test func majorityWinsAOneCharacterDisagreement() {
        var tracker = PlateTracker()
        let script: [String?] = ["51F67B90", "51F67890", "51F67890", "51F67B90", "51F67890", "51F67890"]
        let passages = feed(&tracker, script) + tracker.finish()
        #expect(passages.map(\.plate) == ["51F67890"])
        #expect(passages[0].candidates.map(\.plate).contains("51F67B90"), "the loser stays as a candidate")
    }

    @Test func vehiclesOneAfterAnotherAreTwoPassages() {
        var tracker = PlateTracker()
        var passages = feed(&tracker, Array(repeating: "51F67890", count: 10))
        // 2 s later, a second vehicle at the far end of the lane.
        passages += feed(&tracker, Array(repeating: "29A12345", count: 10), from: 60, x0: 100)
        passages += tracker.finish()
        #expect(passages.map(\.plate) == ["51F67890", "29A12345"])
    }

    @Test func twoVehiclesInViewAreTrackedApart() {
        var tracker = PlateTracker()
        var plates: [String] = []
        for i in 0..<10 {
            let t = MediaTime(seconds: Double(i) / 25)
            let w = start.addingTimeInterval(t.seconds)
            if let p = tracker.add(read("51F67890", x: 100 + 2 * i), at: t, wall: w) { plates.append(p.plate) }
            if let p = tracker.add(read("29A12345", x: 900 - 2 * i), at: t, wall: w) { plates.append(p.plate) }
        }
        plates += tracker.finish().map(\.plate)
        #expect(plates.sorted() == ["29A12345", "51F67890"])
    }

    @Test func trackEndsAfterTimeoutWithTwoVotes() {
        var settings = TrackingSettings()
        settings.trackTimeout = 0.2
        var tracker = PlateTracker(settings: settings)
        var passages = feed(&tracker, ["51F67890", "51F67890"])
        #expect(passages.isEmpty, "two reads are below the early-publish bar")
        passages += tracker.advance(to: MediaTime(seconds: 1))
        #expect(passages.map(\.plate) == ["51F67890"], "but enough once the track ends")
        #expect(tracker.activeTracks == 0)
    }

    @Test func settledTracksSkipFurtherReads() {
        var tracker = PlateTracker()
        _ = feed(&tracker, Array(repeating: "51F67890", count: 5))
        let next = MediaTime(seconds: 5.0 / 25)
        #expect(tracker.isSettled(PixelRect(x: 515, y: 400, width: 200, height: 50), at: next))
        #expect(!tracker.isSettled(PixelRect(x: 1500, y: 100, width: 200, height: 50), at: next))
    }
}

extension PlateTrackerTests {
    @Test func nextVehicleWhereTheLastOneLeftIsANewPassage() {
        var tracker = PlateTracker()
        var passages = feed(&tracker, Array(repeating: "47K732026", count: 8))
        // 0.2 s later (inside the track timeout), a different plate in the same place.
        passages += feed(&tracker, Array(repeating: "47S59128", count: 8), from: 13)
        passages += tracker.finish()
        #expect(passages.map(\.plate) == ["47K732026", "47S59128"])
    }
}

extension PlateTrackerTests {
    /// A track that breaks for longer than the track timeout (plate hidden, read badly) is the same passage
    /// while the plate was out of sight less than `repeatWindow`; after that it is a new passage.
    @Test func brokenTrackIsNotASecondPassage() {
        var tracker = PlateTracker()
        let plate = Array<String?>(repeating: "51F67890", count: 10)
        let gap = Array<String?>(repeating: nil, count: 50)  // 2 s out of sight: the track times out
        var passages = feed(&tracker, plate + gap + plate)
        #expect(passages.count == 1, "\(passages.map(\.plate))")

        var settings = TrackingSettings()
        settings.repeatWindow = 1
        var quick = PlateTracker(settings: settings)
        passages = feed(&quick, plate + gap + plate) + quick.finish()
        #expect(passages.count == 2, "out of sight longer than the window: a second passage")
    }

    @Test func anotherPlateIsPublishedInsideTheWindow() {
        var tracker = PlateTracker()
        let passages = feed(&tracker, Array(repeating: "51F67890", count: 10) + Array(repeating: nil, count: 20)
                            + Array(repeating: "29A12345", count: 10)) + tracker.finish()
        #expect(passages.map(\.plate) == ["51F67890", "29A12345"])
    }
}

extension PlateTrackerTests {
    /// Live timestamps can put two frames a microsecond apart; the motion estimate must not blow up on it.
    @Test func framesAMicrosecondApartDoNotFlingTheTrack() {
        var tracker = PlateTracker()
        let wall = start
        _ = tracker.add(read("51F67890", x: 500), at: MediaTime(seconds: 1), wall: wall)
        _ = tracker.add(read("51F67890", x: 510), at: MediaTime(seconds: 1.000001), wall: wall)
        _ = tracker.add(read("51F67890", x: 515), at: MediaTime(seconds: 1.4), wall: wall)
        #expect(tracker.activeTracks == 1, "the third read joins the same track")
    }
}
