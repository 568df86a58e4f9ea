import Foundation
import GRDB
import PlateWatchCore

/// The desk's store in one SQLite file (GRDB, WAL): what an edge box's desk needs, with no server to run.
public final class SQLiteDeskStore: DeskStore {
    private let database: DatabaseQueue
    public let path: String

    public init(path: String) throws {
        self.path = path
        do {
            try FileManager.default.createDirectory(at: URL(fileURLWithPath: path).deletingLastPathComponent(),
                                                    withIntermediateDirectories: true)
            var configuration = Configuration()
            // Corrections and the audit log are the level-3 record: committed to disk before the answer.
            configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
            configuration.busyMode = .timeout(5)
            database = try DatabaseQueue(path: path, configuration: configuration)
            try database.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA journal_mode = WAL") }
            try Self.migrator.migrate(database)
        } catch {
            throw PlateWatchError(.store, subject: path, message: "cannot open the desk store: \(error)",
                                  hint: "check that the folder is writable and the disk is not full")
        }
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-desk") { db in
            try db.create(table: "passage") { t in
                t.primaryKey("passage_id", .text)
                t.column("event_id", .text).notNull()
                t.column("type", .text).notNull()
                t.column("plate", .text).notNull()          // as corrected (search key form)
                t.column("display", .text).notNull()
                t.column("read_plate", .text).notNull()     // as the reader gave it
                t.column("corrected", .boolean).notNull().defaults(to: false)
                t.column("format", .text).notNull()
                t.column("confidence", .double).notNull()
                t.column("site", .text).notNull()
                t.column("camera", .text).notNull()
                t.column("grp", .text).notNull()
                t.column("role", .text).notNull()
                t.column("yard", .text)
                t.column("first_seen", .double).notNull()
                t.column("last_seen", .double).notNull()
                t.column("journey_id", .text)
                t.column("journey_step", .integer)
                t.column("journey_flags", .text).notNull().defaults(to: "")
                t.column("journey_elapsed", .double)
                t.column("yard_dwell", .double)
                t.column("crop", .blob)
                t.column("crop_path", .text)
            }
            try db.create(index: "passage_plate", on: "passage", columns: ["plate", "first_seen"])
            try db.create(index: "passage_time", on: "passage", columns: ["first_seen"])
            try db.create(index: "passage_camera", on: "passage", columns: ["camera", "first_seen"])
            try db.create(table: "seen_event") { t in t.primaryKey("id", .text) }
            try db.create(table: "correction") { t in
                t.primaryKey("id", .text)
                t.column("passage_id", .text).notNull().indexed()
                t.column("old_plate", .text).notNull()
                t.column("new_plate", .text).notNull()
                t.column("user", .text).notNull()
                t.column("at", .double).notNull()
                t.column("reason", .text).notNull()
            }
            try db.create(table: "watch") { t in
                t.primaryKey("plate", .text)
                t.column("reason", .text).notNull()
                t.column("added_by", .text).notNull()
                t.column("added_at", .double).notNull()
                t.column("expires_at", .double)
            }
            try db.create(table: "alert") { t in
                t.primaryKey("id", .text)
                t.column("plate", .text).notNull()
                t.column("reason", .text).notNull()
                t.column("passage_id", .text).notNull()
                t.column("camera", .text).notNull()
                t.column("at", .double).notNull()
                t.column("acknowledged_by", .text)
                t.column("acknowledged_at", .double)
            }
            try db.create(table: "yard") { t in
                t.primaryKey("yard", .text)
                t.column("occupancy", .integer).notNull()
                t.column("updated", .double).notNull()
            }
            try db.create(table: "yard_move") { t in
                t.primaryKey("event_id", .text)
                t.column("yard", .text).notNull()
                t.column("change", .integer).notNull()
                t.column("at", .double).notNull()
            }
            try db.create(table: "user") { t in
                t.primaryKey("username", .text)
                t.column("hash", .text).notNull()
                t.column("role", .text).notNull()
                t.column("created_at", .double).notNull()
            }
            try db.create(table: "login_failure") { t in
                t.column("key", .text).notNull().indexed()
                t.column("at", .double).notNull()
            }
            try db.create(table: "session") { t in
                t.primaryKey("token_hash", .text)
                t.column("username", .text).notNull().indexed()
                t.column("csrf", .text).notNull()
                t.column("expires", .double).notNull()
            }
            try db.create(table: "api_token") { t in
                t.primaryKey("id", .text)
                t.column("name", .text).notNull()
                t.column("hash", .text).notNull().unique()
                t.column("role", .text).notNull()
                t.column("created_by", .text).notNull()
                t.column("created_at", .double).notNull()
            }
            try db.create(table: "audit") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("at", .double).notNull()
                t.column("user", .text).notNull()
                t.column("action", .text).notNull()
                t.column("subject", .text).notNull()
                t.column("detail", .text).notNull()
            }
            try db.create(table: "feed") { t in
                t.primaryKey("name", .text)
                t.column("sequence", .integer).notNull()
            }
        }
        return migrator
    }

    // MARK: Passages

    public func ingest(_ event: PlateEvent, crop: Data?) async throws -> Passage? {
        try write { db in
            guard try Bool.fetchOne(db, sql: "SELECT EXISTS(SELECT 1 FROM seen_event WHERE id = ?)", arguments: [event.id.uuidString]) == false else {
                return nil
            }
            try db.execute(sql: "INSERT INTO seen_event (id) VALUES (?)", arguments: [event.id.uuidString])
            let key = event.passageId.uuidString
            let journey = event.journey
            let existing = try Row.fetchOne(db, sql: "SELECT corrected, first_seen FROM passage WHERE passage_id = ?", arguments: [key])
            if let existing {
                // plate.updated: a later vote (or another camera of the lane) changed the plate. An operator's
                // correction outranks the reader, so a corrected passage keeps its plate.
                let corrected: Bool = existing["corrected"]
                try db.execute(sql: """
                    UPDATE passage SET event_id = ?, type = ?, read_plate = ?, confidence = ?, last_seen = ?,
                      plate = CASE WHEN ? THEN plate ELSE ? END, display = CASE WHEN ? THEN display ELSE ? END,
                      format = ?, crop = COALESCE(?, crop), crop_path = COALESCE(?, crop_path)
                    WHERE passage_id = ?
                    """, arguments: [event.id.uuidString, event.type.rawValue, event.plate, event.confidence,
                                     event.lastSeen.timeIntervalSince1970, corrected, PlateText.searchKey(event.plate),
                                     corrected, event.display, event.format.rawValue, crop, event.crop?.path, key])
            } else {
                try db.execute(sql: """
                    INSERT INTO passage (passage_id, event_id, type, plate, display, read_plate, format, confidence, site, camera,
                      grp, role, yard, first_seen, last_seen, journey_id, journey_step, journey_flags, journey_elapsed, yard_dwell, crop, crop_path)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [key, event.id.uuidString, event.type.rawValue, PlateText.searchKey(event.plate), event.display,
                                     event.plate, event.format.rawValue, event.confidence, event.site, event.camera, event.group,
                                     event.role.rawValue, event.yard, event.firstSeen.timeIntervalSince1970,
                                     event.lastSeen.timeIntervalSince1970, journey?.id.uuidString, journey?.step,
                                     journey?.flags.joined(separator: ",") ?? "", journey?.elapsedSeconds, journey?.yardDwellSeconds,
                                     crop, event.crop?.path])
            }
            return try Self.passage(db, key)
        }
    }

    public func ingest(_ event: YardOccupancyEvent) async throws {
        try write { db in
            guard try Bool.fetchOne(db, sql: "SELECT EXISTS(SELECT 1 FROM yard_move WHERE event_id = ?)", arguments: [event.id.uuidString]) == false else {
                return
            }
            try db.execute(sql: "INSERT INTO yard_move (event_id, yard, change, at) VALUES (?, ?, ?, ?)",
                           arguments: [event.id.uuidString, event.yard, event.change, event.time.timeIntervalSince1970])
            try db.execute(sql: """
                INSERT INTO yard (yard, occupancy, updated) VALUES (?, ?, ?)
                ON CONFLICT(yard) DO UPDATE SET occupancy = excluded.occupancy, updated = excluded.updated
                WHERE excluded.updated >= yard.updated
                """, arguments: [event.yard, event.occupancy, event.time.timeIntervalSince1970])
        }
    }

    public func passage(_ passageId: String) async throws -> Passage? {
        try read { db in try Self.passage(db, passageId) }
    }

    public func crop(_ passageId: String) async throws -> Data? {
        let row = try read { db in try Row.fetchOne(db, sql: "SELECT crop, crop_path FROM passage WHERE passage_id = ?", arguments: [passageId]) }
        guard let row else { return nil }
        if let data: Data = row["crop"] { return data }
        if let path: String = row["crop_path"] { return FileManager.default.contents(atPath: path) }
        return nil
    }

    public func search(_ query: PassageQuery) async throws -> Page<Passage> {
        var clauses: [String] = [], arguments: [any DatabaseValueConvertible] = []
        if let plate = query.plate.map(PlateText.searchKey), !plate.isEmpty {
            switch query.match {
            case .exact:
                clauses.append("plate = ?")
                arguments.append(plate)
            case .prefix:
                clauses.append("plate LIKE ? ESCAPE '\\'")
                arguments.append(plate.replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_") + "%")
            case .near:
                // One character off (substituted, missing or extra): the plates near in length, then edit distance.
                let near = try read { db in
                    try String.fetchAll(db, sql: "SELECT DISTINCT plate FROM passage WHERE length(plate) BETWEEN ? AND ?",
                                        arguments: [plate.count - 1, plate.count + 1])
                }.filter { PlateText.editDistance($0, plate) <= 1 }
                guard !near.isEmpty else { return Page(items: [], page: query.page, perPage: query.perPage, total: 0) }
                clauses.append("plate IN (\(near.map { _ in "?" }.joined(separator: ",")))")
                arguments.append(contentsOf: near)
            }
        }
        if let camera = query.camera, !camera.isEmpty { clauses.append("camera = ?"); arguments.append(camera) }
        if let role = query.role, !role.isEmpty { clauses.append("role = ?"); arguments.append(role) }
        if let from = query.from { clauses.append("first_seen >= ?"); arguments.append(from.timeIntervalSince1970) }
        if let to = query.to { clauses.append("first_seen <= ?"); arguments.append(to.timeIntervalSince1970) }
        let filter = clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ")
        return try read { db in
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM passage \(filter)", arguments: StatementArguments(arguments)) ?? 0
            let rows = try Row.fetchAll(db, sql: "SELECT * FROM passage \(filter) ORDER BY first_seen DESC, passage_id LIMIT ? OFFSET ?",
                                        arguments: StatementArguments(arguments + [query.perPage, (query.page - 1) * query.perPage]))
            return Page(items: try rows.map { try Self.passage(db, row: $0) }, page: query.page, perPage: query.perPage, total: total)
        }
    }

    public func passages(plate: String) async throws -> [Passage] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM passage WHERE plate = ? ORDER BY first_seen DESC", arguments: [PlateText.searchKey(plate)])
                .map { try Self.passage(db, row: $0) }
        }
    }

    public func lastPassageByCamera() async throws -> [String: Passage] {
        try read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT p.* FROM passage p JOIN (SELECT camera, MAX(first_seen) AS t FROM passage GROUP BY camera) last
                ON p.camera = last.camera AND p.first_seen = last.t
                """)
            var result: [String: Passage] = [:]
            for row in rows { let p = try Self.passage(db, row: row); result[p.camera] = p }
            return result
        }
    }

    public func feedCursor() async throws -> Int64 {
        try read { db in try Int64.fetchOne(db, sql: "SELECT sequence FROM feed WHERE name = 'outbox'") ?? 0 }
    }

    public func setFeedCursor(_ sequence: Int64) async throws {
        try write { db in
            try db.execute(sql: "INSERT INTO feed (name, sequence) VALUES ('outbox', ?) ON CONFLICT(name) DO UPDATE SET sequence = excluded.sequence",
                           arguments: [sequence])
        }
    }

    // MARK: Corrections

    public func correct(_ passageId: String, to plate: String, user: String, reason: String, at: Date) async throws -> Correction {
        try write { db in
            guard let old = try String.fetchOne(db, sql: "SELECT plate FROM passage WHERE passage_id = ?", arguments: [passageId]) else {
                throw DeskError.notFound("no passage \(passageId)")
            }
            let key = PlateText.searchKey(plate)
            let correction = Correction(id: UUID().uuidString, passageId: passageId, oldPlate: old, newPlate: key, user: user, time: at,
                                        reason: reason)
            try db.execute(sql: "INSERT INTO correction (id, passage_id, old_plate, new_plate, user, at, reason) VALUES (?, ?, ?, ?, ?, ?, ?)",
                           arguments: [correction.id, passageId, old, key, user, at.timeIntervalSince1970, reason])
            try db.execute(sql: "UPDATE passage SET plate = ?, display = ?, corrected = 1 WHERE passage_id = ?",
                           arguments: [key, key, passageId])
            return correction
        }
    }

    public func corrections(_ passageId: String) async throws -> [Correction] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM correction WHERE passage_id = ? ORDER BY at", arguments: [passageId]).map {
                Correction(id: $0["id"], passageId: $0["passage_id"], oldPlate: $0["old_plate"], newPlate: $0["new_plate"],
                           user: $0["user"], time: Date(timeIntervalSince1970: $0["at"]), reason: $0["reason"])
            }
        }
    }

    // MARK: Watchlist and alerts

    public func watch(_ entry: WatchEntry) async throws {
        try write { db in
            try db.execute(sql: """
                INSERT INTO watch (plate, reason, added_by, added_at, expires_at) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT(plate) DO UPDATE SET reason = excluded.reason, added_by = excluded.added_by,
                  added_at = excluded.added_at, expires_at = excluded.expires_at
                """, arguments: [PlateText.searchKey(entry.plate), entry.reason, entry.addedBy, entry.addedAt.timeIntervalSince1970,
                                 entry.expiresAt?.timeIntervalSince1970])
        }
    }

    public func unwatch(_ plate: String) async throws -> Bool {
        try write { db in
            try db.execute(sql: "DELETE FROM watch WHERE plate = ?", arguments: [PlateText.searchKey(plate)])
            return db.changesCount > 0
        }
    }

    public func watchlist(now: Date) async throws -> [WatchEntry] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM watch WHERE expires_at IS NULL OR expires_at > ? ORDER BY plate",
                             arguments: [now.timeIntervalSince1970]).map {
                WatchEntry(plate: $0["plate"], reason: $0["reason"], addedBy: $0["added_by"],
                           addedAt: Date(timeIntervalSince1970: $0["added_at"]),
                           expiresAt: ($0["expires_at"] as Double?).map(Date.init(timeIntervalSince1970:)))
            }
        }
    }

    public func addAlert(_ alert: Alert) async throws {
        try write { db in
            try db.execute(sql: "INSERT OR IGNORE INTO alert (id, plate, reason, passage_id, camera, at) VALUES (?, ?, ?, ?, ?, ?)",
                           arguments: [alert.id, alert.plate, alert.reason, alert.passageId, alert.camera, alert.time.timeIntervalSince1970])
        }
    }

    public func alerts(openOnly: Bool) async throws -> [Alert] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM alert \(openOnly ? "WHERE acknowledged_at IS NULL" : "") ORDER BY at LIMIT 500")
                .map(Self.alert)
        }
    }

    public func acknowledge(alert id: String, user: String, at: Date) async throws -> Alert? {
        try write { db in
            try db.execute(sql: "UPDATE alert SET acknowledged_by = ?, acknowledged_at = ? WHERE id = ? AND acknowledged_at IS NULL",
                           arguments: [user, at.timeIntervalSince1970, id])
            return try Row.fetchOne(db, sql: "SELECT * FROM alert WHERE id = ?", arguments: [id]).map(Self.alert)
        }
    }

    // MARK: Yards

    public func yards(since startOfDay: Date) async throws -> [YardCount] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT y.yard, y.occupancy, y.updated,
                  (SELECT COUNT(*) FROM yard_move m WHERE m.yard = y.yard AND m.change > 0 AND m.at >= ?) AS in_today,
                  (SELECT COUNT(*) FROM yard_move m WHERE m.yard = y.yard AND m.change < 0 AND m.at >= ?) AS out_today
                FROM yard y ORDER BY y.yard
                """, arguments: [startOfDay.timeIntervalSince1970, startOfDay.timeIntervalSince1970]).map {
                YardCount(yard: $0["yard"], occupancy: $0["occupancy"], inToday: $0["in_today"], outToday: $0["out_today"],
                          updated: Date(timeIntervalSince1970: $0["updated"]))
            }
        }
    }

    // MARK: Users, sessions, tokens

    public func userCount() async throws -> Int {
        try read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM user") ?? 0 }
    }

    public func createUser(_ username: String, passwordHash: String, role: DeskRole, at: Date) async throws {
        try write { db in
            guard try Bool.fetchOne(db, sql: "SELECT EXISTS(SELECT 1 FROM user WHERE username = ?)", arguments: [username]) == false else {
                throw DeskError.conflict("user \(username) exists")
            }
            try db.execute(sql: "INSERT INTO user (username, hash, role, created_at) VALUES (?, ?, ?, ?)",
                           arguments: [username, passwordHash, role.rawValue, at.timeIntervalSince1970])
        }
    }

    public func user(_ username: String) async throws -> (user: DeskUser, passwordHash: String)? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM user WHERE username = ?", arguments: [username]).map { (Self.user($0), $0["hash"]) }
        }
    }

    public func users() async throws -> [DeskUser] {
        try read { db in try Row.fetchAll(db, sql: "SELECT * FROM user ORDER BY username").map(Self.user) }
    }

    public func deleteUser(_ username: String) async throws -> Bool {
        try write { db in
            try db.execute(sql: "DELETE FROM session WHERE username = ?", arguments: [username])
            try db.execute(sql: "DELETE FROM user WHERE username = ?", arguments: [username])
            return db.changesCount > 0
        }
    }

    public func recordLoginFailure(keys: [String], at: Date) async throws {
        try write { db in
            for key in keys {
                try db.execute(sql: "INSERT INTO login_failure (key, at) VALUES (?, ?)", arguments: [key, at.timeIntervalSince1970])
            }
            // Failures older than a day say nothing about a lockout.
            try db.execute(sql: "DELETE FROM login_failure WHERE at < ?", arguments: [at.timeIntervalSince1970 - 86_400])
        }
    }

    public func loginFailures(key: String, since: Date) async throws -> [Date] {
        try read { db in
            try Double.fetchAll(db, sql: "SELECT at FROM login_failure WHERE key = ? AND at >= ? ORDER BY at", arguments: [key, since.timeIntervalSince1970])
                .map(Date.init(timeIntervalSince1970:))
        }
    }

    public func clearLoginFailures(key: String) async throws {
        try write { db in try db.execute(sql: "DELETE FROM login_failure WHERE key = ?", arguments: [key]) }
    }

    public func createSession(tokenHash: String, username: String, csrf: String, expires: Date) async throws {
        try write { db in
            try db.execute(sql: "DELETE FROM session WHERE expires < ?", arguments: [Date().timeIntervalSince1970])
            try db.execute(sql: "INSERT INTO session (token_hash, username, csrf, expires) VALUES (?, ?, ?, ?)",
                           arguments: [tokenHash, username, csrf, expires.timeIntervalSince1970])
        }
    }

    public func session(tokenHash: String) async throws -> DeskSession? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT s.username, s.csrf, s.expires, u.role FROM session s JOIN user u ON u.username = s.username WHERE s.token_hash = ?",
                             arguments: [tokenHash]).flatMap { row in
                DeskRole(rawValue: row["role"]).map {
                    DeskSession(username: row["username"], role: $0, csrf: row["csrf"], expires: Date(timeIntervalSince1970: row["expires"]))
                }
            }
        }
    }

    public func touchSession(tokenHash: String, expires: Date) async throws {
        try write { db in try db.execute(sql: "UPDATE session SET expires = ? WHERE token_hash = ?", arguments: [expires.timeIntervalSince1970, tokenHash]) }
    }

    public func deleteSession(tokenHash: String) async throws {
        try write { db in try db.execute(sql: "DELETE FROM session WHERE token_hash = ?", arguments: [tokenHash]) }
    }

    public func createToken(_ token: APIToken, tokenHash: String) async throws {
        try write { db in
            try db.execute(sql: "INSERT INTO api_token (id, name, hash, role, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                           arguments: [token.id, token.name, tokenHash, token.role.rawValue, token.createdBy, token.createdAt.timeIntervalSince1970])
        }
    }

    public func token(hash: String) async throws -> APIToken? {
        try read { db in try Row.fetchOne(db, sql: "SELECT * FROM api_token WHERE hash = ?", arguments: [hash]).flatMap(Self.token) }
    }

    public func tokens() async throws -> [APIToken] {
        try read { db in try Row.fetchAll(db, sql: "SELECT * FROM api_token ORDER BY created_at").compactMap(Self.token) }
    }

    public func deleteToken(_ id: String) async throws -> Bool {
        try write { db in
            try db.execute(sql: "DELETE FROM api_token WHERE id = ?", arguments: [id])
            return db.changesCount > 0
        }
    }

    // MARK: Audit

    public func audit(user: String, action: String, subject: String, detail: String, at: Date) async throws {
        try write { db in
            try db.execute(sql: "INSERT INTO audit (at, user, action, subject, detail) VALUES (?, ?, ?, ?, ?)",
                           arguments: [at.timeIntervalSince1970, user, action, subject, detail])
        }
    }

    public func auditLog(page: Int, perPage: Int) async throws -> Page<AuditEntry> {
        try read { db in
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM audit") ?? 0
            let items = try Row.fetchAll(db, sql: "SELECT * FROM audit ORDER BY id DESC LIMIT ? OFFSET ?", arguments: [perPage, (page - 1) * perPage]).map {
                AuditEntry(id: $0["id"], time: Date(timeIntervalSince1970: $0["at"]), user: $0["user"], action: $0["action"],
                           subject: $0["subject"], detail: $0["detail"])
            }
            return Page(items: items, page: page, perPage: perPage, total: total)
        }
    }

    // MARK: Rows

    private static func passage(_ db: Database, _ passageId: String) throws -> Passage? {
        try Row.fetchOne(db, sql: "SELECT * FROM passage WHERE passage_id = ?", arguments: [passageId]).map { try passage(db, row: $0) }
    }

    private static func passage(_ db: Database, row: Row) throws -> Passage {
        let passageId: String = row["passage_id"], plate: String = row["plate"], readPlate: String = row["read_plate"]
        let corrected: Bool = row["corrected"]
        let hasCrop = (row["crop"] as Data?) != nil || (row["crop_path"] as String?) != nil
        let flags: String = row["journey_flags"]
        return Passage(id: row["event_id"], passageId: passageId, type: row["type"], plate: plate, display: row["display"],
                       originalPlate: corrected ? readPlate : nil, corrected: corrected, format: row["format"], confidence: row["confidence"],
                       site: row["site"], camera: row["camera"], group: row["grp"], role: row["role"], yard: row["yard"],
                       time: Date(timeIntervalSince1970: row["first_seen"]), lastSeen: Date(timeIntervalSince1970: row["last_seen"]),
                       journeyId: row["journey_id"], journeyStep: row["journey_step"],
                       journeyFlags: flags.split(separator: ",").map(String.init), journeyElapsedSeconds: row["journey_elapsed"],
                       yardDwellSeconds: row["yard_dwell"],
                       cropURL: hasCrop ? "/api/passages/\(passageId)/crop.jpg" : nil, watch: nil)
    }

    private static func alert(_ row: Row) -> Alert {
        Alert(id: row["id"], plate: row["plate"], reason: row["reason"], passageId: row["passage_id"], camera: row["camera"],
              time: Date(timeIntervalSince1970: row["at"]), acknowledgedBy: row["acknowledged_by"],
              acknowledgedAt: (row["acknowledged_at"] as Double?).map(Date.init(timeIntervalSince1970:)))
    }

    private static func user(_ row: Row) -> DeskUser {
        DeskUser(username: row["username"], role: DeskRole(rawValue: row["role"]) ?? .viewer, createdAt: Date(timeIntervalSince1970: row["created_at"]),
                 lockedUntil: nil)
    }

    private static func token(_ row: Row) -> APIToken? {
        DeskRole(rawValue: row["role"]).map {
            APIToken(id: row["id"], name: row["name"], role: $0, createdBy: row["created_by"], createdAt: Date(timeIntervalSince1970: row["created_at"]))
        }
    }

    private func write<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try database.write(body) } catch let error as DeskError { throw error } catch {
            throw PlateWatchError(.store, subject: path, message: "writing the desk store failed: \(error)",
                                  hint: "check free disk space and file permissions")
        }
    }

    private func read<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try database.read(body) } catch {
            throw PlateWatchError(.store, subject: path, message: "reading the desk store failed: \(error)")
        }
    }
}
