import Foundation
import PlateWatchCore
import Testing
import Tracking

/// Journeys through the crossing and yard counts, from scripted passages.
@Suite struct JourneyBookTests {
    func passage(_ plate: String, _ role: CameraRole, at minutes: Double, yard: String? = nil) -> PlateEvent {
        let seen = Date(timeIntervalSince1970: 1_800_000_000 + minutes * 60)
        return PlateEvent(site: "s", camera: role.rawValue, group: role.rawValue, role: role,
                          yard: role == .yardIn || role == .yardOut ? yard ?? "yard" : nil, plate: plate, display: plate,
                          format: .vnOneLine, confidence: 0.9, firstSeen: seen, lastSeen: seen, mediaTime: nil,
                          box: PixelRect(x: 0, y: 0, width: 1, height: 1), votes: 3, reads: 3, candidates: [])
    }

    @Test func aFullJourneyHasDwellTimesAndMovesTheYardCount() {
        var book = JourneyBook(site: "s")
        let entry = book.record(passage("51F67890", .entry, at: 0))
        let yardIn = book.record(passage("51F67890", .yardIn, at: 10))
        #expect(yardIn.occupancy.map(\.occupancy) == [1])
        #expect(book.occupancy["yard"] == 1)
        let yardOut = book.record(passage("51F67890", .yardOut, at: 130))
        let exit = book.record(passage("51F67890", .exit, at: 140))
        #expect([entry, yardIn, yardOut, exit].map(\.step.id) == Array(repeating: entry.step.id, count: 4))
        #expect([entry, yardIn, yardOut, exit].map(\.step.step) == [1, 2, 3, 4])
        #expect(abs((yardOut.step.yardDwellSeconds ?? 0) - 120 * 60) < 0.01)
        #expect(abs(exit.step.elapsedSeconds - 140 * 60) < 0.01)
        #expect(yardOut.occupancy.map(\.occupancy) == [0] && yardOut.occupancy[0].change == -1)
        #expect(exit.step.flags.isEmpty)
        #expect(book.openJourneys == 0)
    }

    @Test func anExitWithNoEntryIsStillAFlaggedJourney() {
        var book = JourneyBook(site: "s")
        let exit = book.record(passage("29A12345", .exit, at: 0))
        #expect(exit.step.step == 1)
        #expect(exit.step.flags == ["no-entry"])
    }

    @Test func countsNeverGoNegativeAndMissedYardOutsAreCountedOut() {
        var book = JourneyBook(site: "s")
        let out = book.record(passage("29A12345", .yardOut, at: 0))
        #expect(out.occupancy.isEmpty, "a yard-out never seen going in changes no count")
        #expect(out.step.flags == ["no-entry", "no-yard-in"])
        #expect(book.occupancy["yard"] ?? 0 == 0)

        _ = book.record(passage("51F67890", .entry, at: 1))
        _ = book.record(passage("51F67890", .yardIn, at: 2, yard: "A"))
        let exit = book.record(passage("51F67890", .exit, at: 50))
        #expect(exit.step.flags == ["no-yard-out"])
        #expect(exit.occupancy.map(\.change) == [-1], "a truck that left the crossing is not in the yard")
        #expect(book.occupancy["A"] == 0)
    }

    @Test func yardsAreCountedApartAndRepeatsDoNotCountTwice() {
        var book = JourneyBook(site: "s")
        _ = book.record(passage("51F67890", .yardIn, at: 0, yard: "A"))
        let again = book.record(passage("51F67890", .yardIn, at: 1, yard: "A"))
        #expect(again.occupancy.isEmpty && again.step.flags.contains("repeated-role"))
        _ = book.record(passage("29A12345", .yardIn, at: 2, yard: "B"))
        _ = book.record(passage("30K11111", .yardIn, at: 3, yard: "B"))
        #expect(book.occupancy == ["A": 1, "B": 2])
    }

    @Test func aLatePassageIsFlaggedOutOfOrder() {
        var book = JourneyBook(site: "s")
        _ = book.record(passage("51F67890", .entry, at: 10))
        let late = book.record(passage("51F67890", .yardIn, at: 5))
        #expect(late.step.flags.contains("out-of-order"))
    }

    @Test func aReplayedJourneyKeepsItsId() {
        var book = JourneyBook(site: "s")
        let id = UUID()
        let step = book.record(passage("51F67890", .entry, at: 0), journeyId: id).step
        #expect(step.id == id)
        #expect(book.record(passage("51F67890", .yardIn, at: 1)).step.id == id)
    }
}
