import Foundation
import GRDB
import PlateWatchCore

/// The durable record of every event, written before any sink sees it.
///
/// An event is committed to SQLite (WAL, synchronous=FULL) first and marked delivered only after every
/// sink has taken it, so a crash or power cut between the two re-delivers it on the next start instead
/// of losing it. Sinks therefore see at-least-once delivery; `id` lets them drop repeats.
public final class Outbox: Sendable {
    private let database: DatabaseQueue
    public let path: String

    public struct Pending: Sendable, Equatable {
        public var sequence: Int64
        public var id: String
        public var json: String
    }

    public init(path: String) throws {
        self.path = path
        do {
            let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            var configuration = Configuration()
            configuration.prepareDatabase { db in
                try db.execute(sql: "PRAGMA synchronous = FULL")
            }
            database = try DatabaseQueue(path: path, configuration: configuration)
            try database.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA journal_mode = WAL") }
            try Self.migrator.migrate(database)
        } catch let error as PlateWatchError {
            throw error
        } catch {
            throw PlateWatchError(.store, subject: path, message: "cannot open the event store: \(error)",
                                  hint: "check that the folder is writable and the disk is not full")
        }
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-events") { db in
            try db.create(table: "event") { t in
                t.autoIncrementedPrimaryKey("sequence")
                t.column("id", .text).notNull().unique()
                t.column("type", .text).notNull()
                t.column("camera", .text).notNull()
                t.column("plate", .text).notNull()
                t.column("json", .text).notNull()
                t.column("created_at", .double).notNull()
                t.column("delivered_at", .double)
            }
            try db.create(index: "event_pending", on: "event", columns: ["delivered_at", "sequence"])
        }
        return migrator
    }

    /// Stores the event; returns its sequence number.
    @discardableResult
    public func append(_ event: any OutboundEvent) throws -> Int64 {
        let json = try event.jsonLine()
        return try write { db in
            try db.execute(
                sql: "INSERT INTO event (id, type, camera, plate, json, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [event.id.uuidString, event.typeName, event.camera, event.plate, json, Date().timeIntervalSince1970])
            return db.lastInsertedRowID
        }
    }

    /// The `plate.read` events stored since `date`, oldest first: what a restart replays to know which
    /// vehicles are inside the crossing and its yards.
    public func plateReads(since date: Date) throws -> [PlateEvent] {
        let rows = try read { db in
            try String.fetchAll(db, sql: "SELECT json FROM event WHERE type = ? AND created_at >= ? ORDER BY sequence",
                                arguments: [PlateEvent.Kind.plateRead.rawValue, date.timeIntervalSince1970])
        }
        let decoder = PlateEvent.makeDecoder()
        return rows.compactMap { try? decoder.decode(PlateEvent.self, from: Data($0.utf8)) }
    }

    public func markDelivered(_ sequence: Int64) throws {
        try write { db in
            try db.execute(sql: "UPDATE event SET delivered_at = ? WHERE sequence = ?",
                           arguments: [Date().timeIntervalSince1970, sequence])
        }
    }

    /// Events not yet taken by every sink, oldest first.
    public func pending(limit: Int = 1000) throws -> [Pending] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT sequence, id, json FROM event WHERE delivered_at IS NULL ORDER BY sequence LIMIT ?",
                             arguments: [limit]).map { Pending(sequence: $0["sequence"], id: $0["id"], json: $0["json"]) }
        }
    }

    public func count() throws -> Int {
        try read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM event") ?? 0 }
    }

    private func write<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try database.write(body) } catch {
            throw PlateWatchError(.store, subject: path, message: "writing the event store failed: \(error)",
                                  hint: "check free disk space and file permissions")
        }
    }

    private func read<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try database.read(body) } catch {
            throw PlateWatchError(.store, subject: path, message: "reading the event store failed: \(error)")
        }
    }
}
