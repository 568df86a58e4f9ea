import Foundation
import GRDB
import PlateWatchCore

/// The durable record of every event, written before any sink sees it, with each sink's place in it.
///
/// An event is committed to SQLite (WAL, synchronous=FULL) first. Each sink has its own cursor (the last
/// sequence it has taken) and advances it only after the sink has the event, so a crash or power cut between
/// the two delivers it again on the next start instead of losing it: sinks see at-least-once delivery and
/// `id` lets them drop repeats. An event a sink refuses for good is parked as a dead letter for that sink,
/// visible in `status()`. Events every sink has taken are pruned after the retention; nothing a sink has not
/// taken is ever pruned, whatever the size of the file.
public final class Outbox: Sendable {
    private let database: DatabaseQueue
    public let path: String

    /// One stored event, as the sinks get it.
    public struct Item: Sendable, Equatable {
        public var sequence: Int64
        public var id: String
        public var type: String
        public var camera: String
        public var json: String
        public var createdAt: Date
    }

    /// What `platewatch outbox status` shows for one sink.
    public struct SinkStatus: Sendable, Equatable {
        public var sink: String
        public var cursor: Int64
        /// Events stored after the cursor, and how long the oldest of them has waited.
        public var backlog: Int
        public var oldestUndeliveredSeconds: Double?
        public var deadLetters: Int
    }

    public struct DeadLetter: Sendable, Equatable {
        public var sink: String
        public var sequence: Int64
        public var id: String
        public var reason: String
        public var at: Date
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
            // Other writers share the file: the desk appends `plate.corrected`, `outbox replay` moves cursors.
            // They wait for each other rather than fail.
            configuration.busyMode = .timeout(5)
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
        migrator.registerMigration("v2-sink-cursors") { db in
            try db.create(table: "sink_cursor") { t in
                t.primaryKey("sink", .text)
                t.column("sequence", .integer).notNull()
            }
            try db.create(table: "dead_letter") { t in
                t.column("sink", .text).notNull()
                t.column("sequence", .integer).notNull()
                t.column("id", .text).notNull()
                t.column("reason", .text).notNull()
                t.column("at", .double).notNull()
                t.primaryKey(["sink", "sequence"])
            }
            try db.create(index: "event_created", on: "event", columns: ["created_at"])
        }
        // v1 marked an event delivered once every sink had it; the per-sink cursors of v2 say that now.
        migrator.registerMigration("v3-drop-delivered-at") { db in
            try db.drop(index: "event_pending")
            try db.alter(table: "event") { t in t.drop(column: "delivered_at") }
        }
        return migrator
    }

    /// Stores the event; returns its sequence number. An event already stored (the same id: a file source
    /// read again after a crash gives its passages the same ids) is not stored twice: its sequence is returned.
    @discardableResult
    public func append(_ event: any OutboundEvent) throws -> Int64 {
        let json = try event.jsonLine()
        return try write { db in
            if let existing = try Int64.fetchOne(db, sql: "SELECT sequence FROM event WHERE id = ?", arguments: [event.id.uuidString]) {
                return existing
            }
            try db.execute(
                sql: "INSERT INTO event (id, type, camera, plate, json, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [event.id.uuidString, event.typeName, event.camera, event.plate, json, Date().timeIntervalSince1970])
            return db.lastInsertedRowID
        }
    }

    /// Whether an event with this id is stored (a file read again after a crash gives the same ids).
    public func contains(id: UUID) throws -> Bool {
        try read { db in try Bool.fetchOne(db, sql: "SELECT EXISTS(SELECT 1 FROM event WHERE id = ?)", arguments: [id.uuidString]) ?? false }
    }

    /// The newest sequence stored (0 when empty).
    public func lastSequence() throws -> Int64 {
        try read { db in try Int64.fetchOne(db, sql: "SELECT MAX(sequence) FROM event") ?? 0 }
    }

    /// The sink's cursor. A sink seen for the first time starts at the end of the store: it gets events from
    /// now on (`replay` re-sends older ones on request).
    public func cursor(for sink: String) throws -> Int64 {
        // Read first: every delivery asks, and a write transaction would cost an fsync each time.
        if let cursor = try read({ db in try Int64.fetchOne(db, sql: "SELECT sequence FROM sink_cursor WHERE sink = ?", arguments: [sink]) }) {
            return cursor
        }
        return try write { db in
            if let cursor = try Int64.fetchOne(db, sql: "SELECT sequence FROM sink_cursor WHERE sink = ?", arguments: [sink]) {
                return cursor
            }
            let end = try Int64.fetchOne(db, sql: "SELECT MAX(sequence) FROM event") ?? 0
            try db.execute(sql: "INSERT INTO sink_cursor (sink, sequence) VALUES (?, ?)", arguments: [sink, end])
            return end
        }
    }

    /// Moves the sink's cursor from `old` to `new`; false when someone else moved it meanwhile (a `replay`),
    /// in which case the sink reads its cursor again.
    @discardableResult
    public func advance(_ sink: String, from old: Int64, to new: Int64) throws -> Bool {
        try write { db in
            try db.execute(sql: "UPDATE sink_cursor SET sequence = ? WHERE sink = ? AND sequence = ?", arguments: [new, sink, old])
            return db.changesCount == 1
        }
    }

    /// Events after `sequence`, oldest first.
    public func events(after sequence: Int64, limit: Int = 100) throws -> [Item] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT sequence, id, type, camera, json, created_at FROM event WHERE sequence > ? ORDER BY sequence LIMIT ?",
                             arguments: [sequence, limit]).map(Self.item)
        }
    }

    public func deadLetter(_ item: Item, sink: String, reason: String) throws {
        try write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO dead_letter (sink, sequence, id, reason, at) VALUES (?, ?, ?, ?, ?)",
                           arguments: [sink, item.sequence, item.id, reason, Date().timeIntervalSince1970])
        }
    }

    public func deadLetters(sink: String? = nil) throws -> [DeadLetter] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT sink, sequence, id, reason, at FROM dead_letter WHERE ? IS NULL OR sink = ? ORDER BY sink, sequence",
                             arguments: [sink, sink]).map {
                DeadLetter(sink: $0["sink"], sequence: $0["sequence"], id: $0["id"], reason: $0["reason"],
                           at: Date(timeIntervalSince1970: $0["at"]))
            }
        }
    }

    public func status(now: Date = Date()) throws -> [SinkStatus] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT sink, sequence FROM sink_cursor ORDER BY sink").map { row in
                let sink: String = row["sink"], cursor: Int64 = row["sequence"]
                let backlog = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM event WHERE sequence > ?", arguments: [cursor]) ?? 0
                let oldest = try Double.fetchOne(db, sql: "SELECT MIN(created_at) FROM event WHERE sequence > ?", arguments: [cursor])
                let dead = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM dead_letter WHERE sink = ?", arguments: [sink]) ?? 0
                return SinkStatus(sink: sink, cursor: cursor, backlog: backlog,
                                  oldestUndeliveredSeconds: oldest.map { max(0, now.timeIntervalSince1970 - $0) }, deadLetters: dead)
            }
        }
    }

    /// Sets the sink's cursor back so that it takes again every event stored since `date`; returns how many.
    @discardableResult
    public func replay(sink: String, since date: Date) throws -> Int {
        try write { db in
            guard try Int64.fetchOne(db, sql: "SELECT sequence FROM sink_cursor WHERE sink = ?", arguments: [sink]) != nil else {
                throw PlateWatchError(.sink, subject: sink, message: "no such sink in this store",
                                      hint: "`platewatch outbox status` lists the sinks by name")
            }
            let before = try Int64.fetchOne(db, sql: "SELECT MAX(sequence) FROM event WHERE created_at < ?", arguments: [date.timeIntervalSince1970]) ?? 0
            try db.execute(sql: "UPDATE sink_cursor SET sequence = ? WHERE sink = ?", arguments: [before, sink])
            try db.execute(sql: "DELETE FROM dead_letter WHERE sink = ? AND sequence > ?", arguments: [sink, before])
            return try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM event WHERE sequence > ?", arguments: [before]) ?? 0
        }
    }

    /// Deletes the events every sink has taken that are older than `retention` seconds (or, when the store is
    /// over its cap, all the events every sink has taken). Returns how many were deleted.
    @discardableResult
    public func prune(retention: TimeInterval, sinks: [String], overCap: Bool = false, now: Date = Date()) throws -> Int {
        let taken = try sinks.isEmpty ? lastSequence() : sinks.map { try cursor(for: $0) }.min() ?? 0
        let before = overCap ? now.timeIntervalSince1970 : now.timeIntervalSince1970 - retention
        return try write { db in
            try db.execute(sql: "DELETE FROM event WHERE sequence <= ? AND created_at < ?", arguments: [taken, before])
            let deleted = db.changesCount
            try db.execute(sql: "DELETE FROM dead_letter WHERE sequence NOT IN (SELECT sequence FROM event)")
            return deleted
        }
    }

    /// Bytes the store takes on disk (database and write-ahead log).
    public func sizeOnDisk() -> Int {
        [path, path + "-wal"].compactMap { try? FileManager.default.attributesOfItem(atPath: $0)[.size] as? Int }.reduce(0, +)
    }

    public func count() throws -> Int {
        try read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM event") ?? 0 }
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

    private static func item(_ row: Row) -> Item {
        Item(sequence: row["sequence"], id: row["id"], type: row["type"], camera: row["camera"], json: row["json"],
             createdAt: Date(timeIntervalSince1970: row["created_at"]))
    }

    private func write<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try database.write(body) } catch let error as PlateWatchError { throw error } catch {
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
