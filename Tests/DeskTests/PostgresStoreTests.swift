import Desk
import Foundation
import Logging
import PlateWatchCore
import Testing
import TestSupport

/// The same store on PostgreSQL (a real server this test starts): the store tests and the API tests that
/// write most, run again on it.
@Suite(.serialized) struct PostgresStoreTests {
    /// One server for the test; each body gets a fresh database on it.
    func onPostgres(_ bodies: [(DeskFixture) async throws -> Void]) async throws {
        let server = try PostgresServer()
        defer { server.kill() }
        var logger = Logger(label: "pg-test")
        logger.logLevel = .warning
        for body in bodies {
            let backend = try PostgresBackend(url: try server.createDatabase(), logger: logger)
            let desk = try await DeskFixture(backend: backend)
            defer { desk.remove() }
            try await body(desk)
            await backend.close()
        }
    }

    @Test func storeBehavesAsOnSQLite() async throws {
        let tests = DeskStoreTests()
        try await onPostgres([tests.updatesAndCorrections, tests.search, tests.watchlistAndYards])
    }

    @Test func correctionsAlertsAndLockoutThroughTheAPI() async throws {
        let tests = DeskAPITests()
        try await onPostgres([tests.correction, tests.alert, tests.lockout])
    }

    @Test func aSecondDeskOnTheSameDatabaseFindsItsSchemaInPlace() async throws {
        let server = try PostgresServer()
        defer { server.kill() }
        for _ in 1...2 {
            let backend = try PostgresBackend(url: server.url, logger: Logger(label: "pg-test"))
            let store = try await SQLDeskStore(backend: backend)
            try await store.audit(user: "t", action: "a", subject: "s", detail: "", at: Date())
            await backend.close()
        }
        let backend = try PostgresBackend(url: server.url, logger: Logger(label: "pg-test"))
        #expect(try await SQLDeskStore(backend: backend).auditLog(page: 1, perPage: 10).total == 2)
        await backend.close()
    }
}
