import Foundation
import PlateWatchCore
import Testing
import Tracking

/// Cameras of one lane: one event per vehicle, scripted.
@Suite struct LaneMergerTests {
    func event(_ plate: String, camera: String, group: String = "lane1", at media: Double, confidence: Double = 0.9,
               type: PlateEvent.Kind = .plateRead, passage: UUID = UUID()) -> PlateEvent {
        let seen = Date(timeIntervalSince1970: 1_800_000_000 + media)
        return PlateEvent(type: type, site: "s", camera: camera, group: group, role: .entry, passageId: passage, plate: plate,
                          display: plate, format: .vnOneLine, confidence: confidence, firstSeen: seen, lastSeen: seen,
                          mediaTime: .init(first: media, last: media + 1), box: PixelRect(x: 0, y: 0, width: 10, height: 10),
                          votes: 3, reads: 3, candidates: [])
    }

    @Test func twoCamerasOfALaneGiveOneEvent() {
        var merger = LaneMerger(window: 5)
        let first = merger.merge(event("51F67890", camera: "a", at: 10))
        #expect(first?.sightings.map(\.camera) == ["a"])
        #expect(merger.merge(event("51F67890", camera: "b", at: 10.4)) == nil)
    }

    @Test func aOneCharacterDisagreementMergesByConfidence() {
        var merger = LaneMerger(window: 5)
        let first = merger.merge(event("51F67B90", camera: "a", at: 10, confidence: 0.7))!
        let update = merger.merge(event("51F67890", camera: "b", at: 10.2, confidence: 0.95))
        #expect(update?.type == .plateUpdated)
        #expect(update?.plate == "51F67890")
        #expect(update?.passageId == first.passageId)
        #expect(update?.sightings.map(\.camera) == ["a", "b"])
        // A less confident different read is only a sighting.
        var quiet = LaneMerger(window: 5)
        _ = quiet.merge(event("51F67890", camera: "a", at: 10, confidence: 0.95))
        #expect(quiet.merge(event("51F67B90", camera: "b", at: 10.2, confidence: 0.7)) == nil)
    }

    @Test func otherLanesLaterVehiclesAndOtherPlatesStayApart() {
        var merger = LaneMerger(window: 5)
        #expect(merger.merge(event("51F67890", camera: "a", at: 10)) != nil)
        #expect(merger.merge(event("51F67890", camera: "c", group: "lane2", at: 10)) != nil, "another lane")
        #expect(merger.merge(event("51F67890", camera: "b", at: 30)) != nil, "outside the window")
        #expect(merger.merge(event("29A12345", camera: "b", at: 10.5)) != nil, "another plate")
        #expect(merger.merge(event("51F67890", camera: "a", at: 12)) != nil, "the same camera again is another vehicle")
    }

    @Test func aCameraUpdateReachesTheLanePassage() {
        var merger = LaneMerger(window: 5)
        let own = UUID()
        let first = merger.merge(event("51F67B90", camera: "a", at: 10, passage: own))!
        let merged = UUID()
        #expect(merger.merge(event("51F67B90", camera: "b", at: 10.1, passage: merged)) == nil)
        // Camera b's tracker later changes its plate, surer than the lane's: the lane passage is updated.
        let update = merger.merge(event("51F67890", camera: "b", at: 10.1, confidence: 0.97, type: .plateUpdated, passage: merged))
        #expect(update?.passageId == first.passageId)
        #expect(update?.plate == "51F67890")
    }

    @Test func forgetsClosedPassages() {
        var merger = LaneMerger(window: 5)
        for i in 0..<100 { _ = merger.merge(event("51F6\(String(format: "%04d", i))", camera: "a", at: Double(i) * 20)) }
        #expect(merger.openPassages <= 2)
    }
}
