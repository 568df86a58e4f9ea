import Foundation
import PlateWatchCore
import Testing

@Suite struct PlateEventTests {
    @Test func encodesTheDocumentedFields() throws {
        let seen = Date(timeIntervalSince1970: 1_764_035_415.125)
        let event = PlateEvent(
            site: "lethanh", camera: "barrier1-in", group: "barrier1", role: .entry, plate: "51F67890",
            display: "51F-678.90", format: .vnOneLine, confidence: 0.97, firstSeen: seen, lastSeen: seen.addingTimeInterval(1.5),
            mediaTime: .init(first: 1.2, last: 2.7), box: PixelRect(x: 1, y: 2, width: 3, height: 4), votes: 5, reads: 6,
            candidates: [PlateAlternative(plate: "51F67890", confidence: 0.97)])
        let json = try event.jsonLine()
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        for key in ["id", "schema_version", "type", "site", "camera", "group", "role", "plate", "display", "format",
                    "confidence", "first_seen", "last_seen", "media_time", "passage_id", "box", "candidates"] {
            #expect(object[key] != nil, "missing \(key)")
        }
        #expect(object["type"] as? String == "plate.read")
        #expect(object["first_seen"] as? String == "2025-11-25T01:50:15.125Z")
        #expect(object["box"] as? [Int] == [1, 2, 3, 4])
        #expect(!json.contains("\n"))
        let decoded = try PlateEvent.makeDecoder().decode(PlateEvent.self, from: Data(json.utf8))
        #expect(decoded == event)
    }

    @Test func boxesCompareByOverlap() {
        let a = PixelRect(x: 0, y: 0, width: 10, height: 10)
        #expect(a.intersectionOverUnion(a) == 1)
        #expect(a.intersectionOverUnion(PixelRect(x: 5, y: 0, width: 10, height: 10)) == 50.0 / 150.0)
        #expect(a.intersectionOverUnion(PixelRect(x: 20, y: 20, width: 5, height: 5)) == 0)
        #expect(PixelRect(x: -5, y: 8, width: 20, height: 20).clipped(width: 10, height: 10) == PixelRect(x: 0, y: 8, width: 10, height: 2))
    }
}
