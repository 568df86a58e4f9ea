import Desk
import Foundation
import PlateWatchCore
import Testing

/// The SQLite store: passages from events (an update replaces, a correction outranks the reader), search by
/// exact, prefix and one-character-off plate, the watchlist's expiry, yard counts, journeys.
@Suite struct DeskStoreTests {
    @Test func anUpdateReplacesThePlateButNotAnOperatorsCorrection() async throws { try await DeskFixture.onSQLite(updatesAndCorrections) }

    func updatesAndCorrections(_ desk: DeskFixture) async throws {
        let first = UUID(), second = UUID()
        try await desk.publish([DeskFixture.event("51F67880", passage: first), DeskFixture.event("51F67890", passage: first, type: .plateUpdated)])
        #expect(try await desk.store.passage(first.uuidString)?.plate == "51F67890")
        try await desk.publish([DeskFixture.event("30A11111", passage: second)])
        _ = try await desk.store.correct(second.uuidString, to: "30A11112", user: "olga", reason: "1 read as 2", at: Date())
        try await desk.publish([DeskFixture.event("30A11111", passage: second, type: .plateUpdated)])
        let corrected = try #require(try await desk.store.passage(second.uuidString))
        #expect(corrected.plate == "30A11112" && corrected.originalPlate == "30A11111" && corrected.corrected)
        #expect(try await desk.store.search(PassageQuery()).total == 2)
        // The same event twice (the feed restarted before saving its cursor) is one passage, unchanged.
        try await desk.publish([DeskFixture.event("51F67890", passage: first)])
        #expect(try await desk.store.search(PassageQuery()).total == 2)
    }

    @Test func searchFindsExactPrefixAndOneCharacterOff() async throws { try await DeskFixture.onSQLite(search) }

    func search(_ desk: DeskFixture) async throws {
        let now = Date()
        try await desk.publish([DeskFixture.event("51F67890", at: now.addingTimeInterval(-3600)), DeskFixture.event("51F67891", camera: "yard-a-in", role: .yardIn, at: now),
                                DeskFixture.event("51F6789", at: now), DeskFixture.event("29C12345", at: now), DeskFixture.event("51G99999", at: now)])
        func plates(_ configure: (inout PassageQuery) -> Void) async throws -> [String] {
            var query = PassageQuery()
            configure(&query)
            return try await desk.store.search(query).items.map(\.plate).sorted()
        }
        #expect(try await plates { $0.plate = "51F-678.90" } == ["51F67890"])
        #expect(try await plates { $0.plate = "51f"; $0.match = .prefix } == ["51F6789", "51F67890", "51F67891"])
        #expect(try await plates { $0.plate = "51F67890"; $0.match = .near } == ["51F6789", "51F67890", "51F67891"])
        #expect(try await plates { $0.plate = "5_F"; $0.match = .prefix } == [], "separators and LIKE wildcards are dropped")
        #expect(try await plates { $0.role = "yard-in" } == ["51F67891"])
        #expect(try await plates { $0.from = now.addingTimeInterval(-60) }.count == 4)
        var paged = PassageQuery()
        paged.perPage = 2
        paged.page = 3
        let last = try await desk.store.search(paged)
        #expect(last.total == 5 && last.items.count == 1)
    }

    @Test func theWatchlistForgetsExpiredEntriesAndYardsCountMoves() async throws { try await DeskFixture.onSQLite(watchlistAndYards) }

    func watchlistAndYards(_ desk: DeskFixture) async throws {
        let now = Date()
        try await desk.store.watch(WatchEntry(plate: "29c-123.45", reason: "stolen", addedBy: "olga", addedAt: now, expiresAt: nil))
        try await desk.store.watch(WatchEntry(plate: "30A11111", reason: "old case", addedBy: "olga", addedAt: now, expiresAt: now.addingTimeInterval(-1)))
        #expect(try await desk.store.watchlist(now: now).map(\.plate) == ["29C12345"])
        #expect(try await desk.store.unwatch("29C12345"))
        let passage = UUID()
        for (change, occupancy) in [(1, 1), (1, 2), (-1, 1)] {
            try await desk.store.ingest(YardOccupancyEvent(site: "s", yard: "A", occupancy: occupancy, change: change, plate: "29C12345",
                                                           passageId: passage, camera: "yard-a", time: now))
        }
        let yards = try await desk.store.yards(since: Calendar.current.startOfDay(for: now))
        #expect(yards.map { "\($0.yard) \($0.occupancy) in \($0.inToday) out \($0.outToday)" } == ["A 1 in 2 out 1"])
    }
}
