import Foundation
import Logging
import PlateWatchCore

/// The desk's store in SQL that SQLite and PostgreSQL both run: an embedded SQLite file on an edge box
/// (the default), or a PostgreSQL server for a central desk over many boxes. Times are stored as seconds
/// since 1970 (double precision), so the two behave the same.
public final class SQLDeskStore: DeskStore {
    let backend: any SQLBackend
    public var location: String { backend.location }

    /// `desk.store`: a `postgres://` URL, or the path of the SQLite file.
    public static func open(_ store: String, logger: Logger) async throws -> SQLDeskStore {
        if store.hasPrefix("postgres://") || store.hasPrefix("postgresql://") {
            return try await SQLDeskStore(backend: PostgresBackend(url: store, logger: logger))
        }
        return try await SQLDeskStore(backend: SQLiteBackend(path: store))
    }

    public init(backend: any SQLBackend) async throws {
        self.backend = backend
        do {
            try await migrate()
        } catch let error as PlateWatchError {
            throw error
        } catch {
            throw PlateWatchError(.store, subject: backend.location, message: "cannot set up the desk store: \(String(reflecting: error))",
                                  hint: "check the database is writable by this user")
        }
    }

    static let migrations: [String] = [
        """
        CREATE TABLE passage (
          passage_id TEXT PRIMARY KEY, event_id TEXT NOT NULL, type TEXT NOT NULL,
          plate TEXT NOT NULL, display TEXT NOT NULL, read_plate TEXT NOT NULL, corrected BOOLEAN NOT NULL DEFAULT FALSE,
          format TEXT NOT NULL, confidence DOUBLE PRECISION NOT NULL, site TEXT NOT NULL, camera TEXT NOT NULL, grp TEXT NOT NULL,
          role TEXT NOT NULL, yard TEXT, first_seen DOUBLE PRECISION NOT NULL, last_seen DOUBLE PRECISION NOT NULL,
          journey_id TEXT, journey_step BIGINT, journey_flags TEXT NOT NULL DEFAULT '', journey_elapsed DOUBLE PRECISION,
          yard_dwell DOUBLE PRECISION, crop {blob}, crop_path TEXT);
        CREATE INDEX passage_plate ON passage (plate, first_seen);
        CREATE INDEX passage_time ON passage (first_seen);
        CREATE INDEX passage_camera ON passage (camera, first_seen);
        CREATE TABLE seen_event (id TEXT PRIMARY KEY);
        CREATE TABLE correction (
          id TEXT PRIMARY KEY, passage_id TEXT NOT NULL, old_plate TEXT NOT NULL, new_plate TEXT NOT NULL, username TEXT NOT NULL,
          at DOUBLE PRECISION NOT NULL, reason TEXT NOT NULL);
        CREATE INDEX correction_passage ON correction (passage_id);
        CREATE TABLE watch (
          plate TEXT PRIMARY KEY, reason TEXT NOT NULL, added_by TEXT NOT NULL, added_at DOUBLE PRECISION NOT NULL,
          expires_at DOUBLE PRECISION);
        CREATE TABLE alert (
          id TEXT PRIMARY KEY, plate TEXT NOT NULL, reason TEXT NOT NULL, passage_id TEXT NOT NULL, camera TEXT NOT NULL,
          at DOUBLE PRECISION NOT NULL, acknowledged_by TEXT, acknowledged_at DOUBLE PRECISION);
        CREATE TABLE yard (yard TEXT PRIMARY KEY, occupancy BIGINT NOT NULL, updated DOUBLE PRECISION NOT NULL);
        CREATE TABLE yard_move (event_id TEXT PRIMARY KEY, yard TEXT NOT NULL, change BIGINT NOT NULL, at DOUBLE PRECISION NOT NULL);
        CREATE TABLE desk_user (username TEXT PRIMARY KEY, hash TEXT NOT NULL, role TEXT NOT NULL, created_at DOUBLE PRECISION NOT NULL);
        CREATE TABLE login_failure (key TEXT NOT NULL, at DOUBLE PRECISION NOT NULL);
        CREATE INDEX login_failure_key ON login_failure (key, at);
        CREATE TABLE session (token_hash TEXT PRIMARY KEY, username TEXT NOT NULL, csrf TEXT NOT NULL, expires DOUBLE PRECISION NOT NULL);
        CREATE TABLE api_token (
          id TEXT PRIMARY KEY, name TEXT NOT NULL, hash TEXT NOT NULL UNIQUE, role TEXT NOT NULL, created_by TEXT NOT NULL,
          created_at DOUBLE PRECISION NOT NULL);
        CREATE TABLE audit (
          id {serial}, at DOUBLE PRECISION NOT NULL, username TEXT NOT NULL, action TEXT NOT NULL, subject TEXT NOT NULL,
          detail TEXT NOT NULL);
        CREATE TABLE feed (name TEXT PRIMARY KEY, sequence BIGINT NOT NULL)
        """,
    ]

    /// Applies the migrations the database has not had, each in its transaction.
    func migrate() async throws {
        let dialect = backend.dialect
        try await backend.transaction { db in
            try await db.execute("CREATE TABLE IF NOT EXISTS desk_schema (version BIGINT NOT NULL)", [])
        }
        for (index, migration) in Self.migrations.enumerated() {
            try await backend.transaction { db in
                let done = try await db.count("SELECT COUNT(*) AS n FROM desk_schema WHERE version = ?", [index + 1])
                guard done == 0 else { return }
                for statement in dialect.ddl(migration).split(separator: ";") where !statement.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                    try await db.execute(String(statement), [])
                }
                try await db.execute("INSERT INTO desk_schema (version) VALUES (?)", [index + 1])
            }
        }
    }

    // MARK: Passages

    public func ingest(_ event: PlateEvent, crop: Data?) async throws -> Passage? {
        try await backend.transaction { db in
            // Each event once: the feed may hand over an event again after a restart.
            guard try await !db.fetch("INSERT INTO seen_event (id) VALUES (?) ON CONFLICT DO NOTHING RETURNING id", [event.id.uuidString]).isEmpty else {
                return nil
            }
            let key = event.passageId.uuidString, journey = event.journey
            // A later event of the passage (plate.updated) replaces the reader's plate, but an operator's
            // correction outranks the reader: a corrected passage keeps its plate.
            try await db.execute("""
                INSERT INTO passage (passage_id, event_id, type, plate, display, read_plate, format, confidence, site, camera, grp, role,
                  yard, first_seen, last_seen, journey_id, journey_step, journey_flags, journey_elapsed, yard_dwell, crop, crop_path)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (passage_id) DO UPDATE SET event_id = excluded.event_id, type = excluded.type,
                  read_plate = excluded.read_plate, confidence = excluded.confidence, last_seen = excluded.last_seen,
                  format = excluded.format,
                  plate = CASE WHEN passage.corrected THEN passage.plate ELSE excluded.plate END,
                  display = CASE WHEN passage.corrected THEN passage.display ELSE excluded.display END,
                  crop = COALESCE(excluded.crop, passage.crop), crop_path = COALESCE(excluded.crop_path, passage.crop_path)
                """, [key, event.id.uuidString, event.type.rawValue, PlateText.normalise(event.plate), event.display, event.plate,
                      event.format.rawValue, event.confidence, event.site, event.camera, event.group, event.role.rawValue, event.yard,
                      event.firstSeen, event.lastSeen, journey?.id.uuidString, journey?.step, journey?.flags.joined(separator: ",") ?? "",
                      journey?.elapsedSeconds, journey?.yardDwellSeconds, crop, event.crop?.path])
            return try await db.one("SELECT * FROM passage WHERE passage_id = ?", [key]).map(Self.passage)
        }
    }

    public func ingest(_ event: YardOccupancyEvent) async throws {
        try await backend.transaction { db in
            guard try await !db.fetch("INSERT INTO yard_move (event_id, yard, change, at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING event_id",
                                      [event.id.uuidString, event.yard, event.change, event.time]).isEmpty else { return }
            try await db.execute("""
                INSERT INTO yard (yard, occupancy, updated) VALUES (?, ?, ?)
                ON CONFLICT (yard) DO UPDATE SET occupancy = excluded.occupancy, updated = excluded.updated
                WHERE excluded.updated >= yard.updated
                """, [event.yard, event.occupancy, event.time])
        }
    }

    public func passage(_ passageId: String) async throws -> Passage? {
        try await read { db in try await db.one("SELECT * FROM passage WHERE passage_id = ?", [passageId]).map(Self.passage) }
    }

    public func crop(_ passageId: String) async throws -> Data? {
        guard let row = try await read({ db in try await db.one("SELECT crop, crop_path FROM passage WHERE passage_id = ?", [passageId]) }) else {
            return nil
        }
        return row.data("crop") ?? row.string("crop_path").flatMap { FileManager.default.contents(atPath: $0) }
    }

    public func search(_ query: PassageQuery) async throws -> Page<Passage> {
        try await read { db in
            var clauses: [String] = [], arguments: [any SQLBindable] = []
            if let plate = query.plate.map(PlateText.normalise), !plate.isEmpty {
                switch query.match {
                case .exact:
                    clauses.append("plate = ?")
                    arguments.append(plate)
                case .prefix:
                    // A normalised plate holds letters and digits only, never a LIKE wildcard.
                    clauses.append("plate LIKE ?")
                    arguments.append(plate + "%")
                case .near:
                    // One character off (substituted, missing or extra): plates near in length, then edit distance.
                    let near = try await db.fetch("SELECT DISTINCT plate FROM passage WHERE length(plate) BETWEEN ? AND ?",
                                                  [plate.count - 1, plate.count + 1])
                        .compactMap { $0.string("plate") }.filter { PlateText.editDistance($0, plate) <= 1 }
                    guard !near.isEmpty else { return Page(items: [], page: query.page, perPage: query.perPage, total: 0) }
                    clauses.append("plate IN (\(near.map { _ in "?" }.joined(separator: ",")))")
                    arguments.append(contentsOf: near.map { $0 as any SQLBindable })
                }
            }
            if let camera = query.camera, !camera.isEmpty { clauses.append("camera = ?"); arguments.append(camera) }
            if let role = query.role, !role.isEmpty { clauses.append("role = ?"); arguments.append(role) }
            if let from = query.from { clauses.append("first_seen >= ?"); arguments.append(from) }
            if let to = query.to { clauses.append("first_seen <= ?"); arguments.append(to) }
            let filter = clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ")
            let total = try await db.count("SELECT COUNT(*) AS n FROM passage \(filter)", arguments)
            let rows = try await db.fetch("SELECT * FROM passage \(filter) ORDER BY first_seen DESC, passage_id LIMIT ? OFFSET ?",
                                          arguments + [query.perPage, (query.page - 1) * query.perPage])
            return Page(items: rows.map(Self.passage), page: query.page, perPage: query.perPage, total: total)
        }
    }

    public func passages(plate: String) async throws -> [Passage] {
        try await read { db in
            try await db.fetch("SELECT * FROM passage WHERE plate = ? ORDER BY first_seen DESC", [PlateText.normalise(plate)]).map(Self.passage)
        }
    }

    public func lastPassageByCamera() async throws -> [String: Passage] {
        let rows = try await read { db in
            try await db.fetch("""
                SELECT p.* FROM passage p JOIN (SELECT camera, MAX(first_seen) AS t FROM passage GROUP BY camera) latest
                ON p.camera = latest.camera AND p.first_seen = latest.t
                """, [])
        }
        return Dictionary(rows.map(Self.passage).map { ($0.camera, $0) }, uniquingKeysWith: { a, _ in a })
    }

    public func feedCursor() async throws -> Int64 {
        try await read { db in Int64(try await db.one("SELECT sequence FROM feed WHERE name = 'outbox'")?.int("sequence") ?? 0) }
    }

    public func setFeedCursor(_ sequence: Int64) async throws {
        try await backend.transaction { db in
            try await db.execute("INSERT INTO feed (name, sequence) VALUES ('outbox', ?) ON CONFLICT (name) DO UPDATE SET sequence = excluded.sequence",
                                 [sequence])
        }
    }

    // MARK: Corrections

    public func correct(_ passageId: String, to plate: String, user: String, reason: String, at: Date) async throws -> Correction {
        try await backend.transaction { db in
            guard let old = try await db.one("SELECT plate FROM passage WHERE passage_id = ?", [passageId])?.string("plate") else {
                throw DeskError.notFound("no passage \(passageId)")
            }
            let key = PlateText.normalise(plate)
            let correction = Correction(id: UUID().uuidString, passageId: passageId, oldPlate: old, newPlate: key, user: user, time: at, reason: reason)
            try await db.execute("INSERT INTO correction (id, passage_id, old_plate, new_plate, username, at, reason) VALUES (?, ?, ?, ?, ?, ?, ?)",
                                 [correction.id, passageId, old, key, user, at, reason])
            try await db.execute("UPDATE passage SET plate = ?, display = ?, corrected = TRUE WHERE passage_id = ?", [key, key, passageId])
            return correction
        }
    }

    public func corrections(_ passageId: String) async throws -> [Correction] {
        try await read { db in
            try await db.fetch("SELECT * FROM correction WHERE passage_id = ? ORDER BY at", [passageId]).map {
                Correction(id: $0.string("id") ?? "", passageId: passageId, oldPlate: $0.string("old_plate") ?? "", newPlate: $0.string("new_plate") ?? "",
                           user: $0.string("username") ?? "", time: $0.date("at") ?? .distantPast, reason: $0.string("reason") ?? "")
            }
        }
    }

    // MARK: Watchlist and alerts

    public func watch(_ entry: WatchEntry) async throws {
        try await backend.transaction { db in
            try await db.execute("""
                INSERT INTO watch (plate, reason, added_by, added_at, expires_at) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (plate) DO UPDATE SET reason = excluded.reason, added_by = excluded.added_by,
                  added_at = excluded.added_at, expires_at = excluded.expires_at
                """, [PlateText.normalise(entry.plate), entry.reason, entry.addedBy, entry.addedAt, entry.expiresAt])
        }
    }

    public func unwatch(_ plate: String) async throws -> Bool {
        try await backend.transaction { db in
            try await !db.fetch("DELETE FROM watch WHERE plate = ? RETURNING plate", [PlateText.normalise(plate)]).isEmpty
        }
    }

    public func watchlist(now: Date) async throws -> [WatchEntry] {
        try await read { db in
            try await db.fetch("SELECT * FROM watch WHERE expires_at IS NULL OR expires_at > ? ORDER BY plate", [now]).map {
                WatchEntry(plate: $0.string("plate") ?? "", reason: $0.string("reason") ?? "", addedBy: $0.string("added_by") ?? "",
                           addedAt: $0.date("added_at") ?? .distantPast, expiresAt: $0.date("expires_at"))
            }
        }
    }

    public func addAlert(_ alert: Alert) async throws -> Bool {
        try await backend.transaction { db in
            try await !db.fetch("INSERT INTO alert (id, plate, reason, passage_id, camera, at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id",
                                [alert.id, alert.plate, alert.reason, alert.passageId, alert.camera, alert.time]).isEmpty
        }
    }

    public func alerts(openOnly: Bool) async throws -> [Alert] {
        try await read { db in
            try await db.fetch("SELECT * FROM alert \(openOnly ? "WHERE acknowledged_at IS NULL" : "") ORDER BY at DESC LIMIT 500", []).map(Self.alert)
        }
    }

    public func acknowledge(alert id: String, user: String, at: Date) async throws -> Alert? {
        try await backend.transaction { db in
            try await db.execute("UPDATE alert SET acknowledged_by = ?, acknowledged_at = ? WHERE id = ? AND acknowledged_at IS NULL", [user, at, id])
            return try await db.one("SELECT * FROM alert WHERE id = ?", [id]).map(Self.alert)
        }
    }

    // MARK: Yards

    public func yards(since startOfDay: Date) async throws -> [YardCount] {
        try await read { db in
            try await db.fetch("""
                SELECT y.yard, y.occupancy, y.updated,
                  (SELECT COUNT(*) FROM yard_move m WHERE m.yard = y.yard AND m.change > 0 AND m.at >= ?) AS in_today,
                  (SELECT COUNT(*) FROM yard_move m WHERE m.yard = y.yard AND m.change < 0 AND m.at >= ?) AS out_today
                FROM yard y ORDER BY y.yard
                """, [startOfDay, startOfDay]).map {
                YardCount(yard: $0.string("yard") ?? "", occupancy: $0.int("occupancy") ?? 0, inToday: $0.int("in_today") ?? 0,
                          outToday: $0.int("out_today") ?? 0, updated: $0.date("updated"))
            }
        }
    }

    // MARK: Users, sessions, tokens

    public func userCount() async throws -> Int {
        try await read { db in try await db.count("SELECT COUNT(*) AS n FROM desk_user") }
    }

    public func createUser(_ username: String, passwordHash: String, role: DeskRole, at: Date) async throws {
        try await backend.transaction { db in
            guard try await !db.fetch("INSERT INTO desk_user (username, hash, role, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING username",
                                      [username, passwordHash, role.rawValue, at]).isEmpty else {
                throw DeskError.conflict("user \(username) exists")
            }
        }
    }

    public func user(_ username: String) async throws -> (user: DeskUser, passwordHash: String)? {
        try await read { db in
            try await db.one("SELECT * FROM desk_user WHERE username = ?", [username]).map { (Self.user($0), $0.string("hash") ?? "") }
        }
    }

    public func users() async throws -> [DeskUser] {
        try await read { db in try await db.fetch("SELECT * FROM desk_user ORDER BY username", []).map(Self.user) }
    }

    public func deleteUser(_ username: String) async throws -> Bool {
        try await backend.transaction { db in
            try await db.execute("DELETE FROM session WHERE username = ?", [username])
            return try await !db.fetch("DELETE FROM desk_user WHERE username = ? RETURNING username", [username]).isEmpty
        }
    }

    public func setPassword(_ username: String, passwordHash: String, keeping session: String?) async throws {
        try await backend.transaction { db in
            try await db.execute("UPDATE desk_user SET hash = ? WHERE username = ?", [passwordHash, username])
            try await db.execute("DELETE FROM session WHERE username = ? AND token_hash <> ?", [username, session ?? ""])
        }
    }

    public func recordLoginFailure(keys: [String], at: Date) async throws {
        try await backend.transaction { db in
            for key in keys { try await db.execute("INSERT INTO login_failure (key, at) VALUES (?, ?)", [key, at]) }
            // Failures older than a day say nothing about a lockout.
            try await db.execute("DELETE FROM login_failure WHERE at < ?", [at.addingTimeInterval(-86_400)])
        }
    }

    public func loginFailures(key: String, since: Date) async throws -> [Date] {
        try await read { db in
            try await db.fetch("SELECT at FROM login_failure WHERE key = ? AND at >= ? ORDER BY at", [key, since]).compactMap { $0.date("at") }
        }
    }

    public func clearLoginFailures(key: String) async throws {
        try await backend.transaction { db in try await db.execute("DELETE FROM login_failure WHERE key = ?", [key]) }
    }

    public func createSession(tokenHash: String, username: String, csrf: String, expires: Date) async throws {
        try await backend.transaction { db in
            try await db.execute("DELETE FROM session WHERE expires < ?", [Date()])
            try await db.execute("INSERT INTO session (token_hash, username, csrf, expires) VALUES (?, ?, ?, ?)", [tokenHash, username, csrf, expires])
        }
    }

    public func session(tokenHash: String) async throws -> DeskSession? {
        try await read { db in
            guard let row = try await db.one("""
                SELECT s.username, s.csrf, s.expires, u.role FROM session s JOIN desk_user u ON u.username = s.username WHERE s.token_hash = ?
                """, [tokenHash]), let role = row.string("role").flatMap(DeskRole.init(rawValue:)) else { return nil }
            return DeskSession(username: row.string("username") ?? "", role: role, csrf: row.string("csrf") ?? "",
                               expires: row.date("expires") ?? .distantPast)
        }
    }

    public func touchSession(tokenHash: String, expires: Date) async throws {
        try await backend.transaction { db in try await db.execute("UPDATE session SET expires = ? WHERE token_hash = ?", [expires, tokenHash]) }
    }

    public func deleteSession(tokenHash: String) async throws {
        try await backend.transaction { db in try await db.execute("DELETE FROM session WHERE token_hash = ?", [tokenHash]) }
    }

    public func createToken(_ token: APIToken, tokenHash: String) async throws {
        try await backend.transaction { db in
            try await db.execute("INSERT INTO api_token (id, name, hash, role, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                                 [token.id, token.name, tokenHash, token.role.rawValue, token.createdBy, token.createdAt])
        }
    }

    public func token(hash: String) async throws -> APIToken? {
        try await read { db in try await db.one("SELECT * FROM api_token WHERE hash = ?", [hash]).flatMap(Self.token) }
    }

    public func tokens() async throws -> [APIToken] {
        try await read { db in try await db.fetch("SELECT * FROM api_token ORDER BY created_at", []).compactMap(Self.token) }
    }

    public func deleteToken(_ id: String) async throws -> Bool {
        try await backend.transaction { db in try await !db.fetch("DELETE FROM api_token WHERE id = ? RETURNING id", [id]).isEmpty }
    }

    // MARK: Audit

    public func audit(user: String, action: String, subject: String, detail: String, at: Date) async throws {
        try await backend.transaction { db in
            try await db.execute("INSERT INTO audit (at, username, action, subject, detail) VALUES (?, ?, ?, ?, ?)", [at, user, action, subject, detail])
        }
    }

    public func auditLog(page: Int, perPage: Int) async throws -> Page<AuditEntry> {
        try await read { db in
            let total = try await db.count("SELECT COUNT(*) AS n FROM audit")
            let items = try await db.fetch("SELECT * FROM audit ORDER BY id DESC LIMIT ? OFFSET ?", [perPage, (page - 1) * perPage]).map {
                AuditEntry(id: Int64($0.int("id") ?? 0), time: $0.date("at") ?? .distantPast, user: $0.string("username") ?? "",
                           action: $0.string("action") ?? "", subject: $0.string("subject") ?? "", detail: $0.string("detail") ?? "")
            }
            return Page(items: items, page: page, perPage: perPage, total: total)
        }
    }

    // MARK: Rows

    /// Reads run in a transaction too: one consistent view, and the backends keep one statement stream.
    private func read<T: Sendable>(_ body: @Sendable (any SQLSession) async throws -> T) async throws -> T {
        try await backend.transaction(body)
    }

    private static func passage(_ row: SQLRow) -> Passage {
        let passageId = row.string("passage_id") ?? "", corrected = row.bool("corrected")
        let hasCrop = row.data("crop") != nil || row.string("crop_path") != nil
        return Passage(id: row.string("event_id") ?? "", passageId: passageId, type: row.string("type") ?? "", plate: row.string("plate") ?? "",
                       display: row.string("display") ?? "", originalPlate: corrected ? row.string("read_plate") : nil, corrected: corrected,
                       format: row.string("format") ?? "", confidence: row.double("confidence") ?? 0, site: row.string("site") ?? "",
                       camera: row.string("camera") ?? "", group: row.string("grp") ?? "", role: row.string("role") ?? "", yard: row.string("yard"),
                       time: row.date("first_seen") ?? .distantPast, lastSeen: row.date("last_seen") ?? .distantPast,
                       journeyId: row.string("journey_id"), journeyStep: row.int("journey_step"),
                       journeyFlags: (row.string("journey_flags") ?? "").split(separator: ",").map(String.init),
                       journeyElapsedSeconds: row.double("journey_elapsed"), yardDwellSeconds: row.double("yard_dwell"),
                       cropURL: hasCrop ? "/api/passages/\(passageId)/crop.jpg" : nil, watch: nil)
    }

    private static func alert(_ row: SQLRow) -> Alert {
        Alert(id: row.string("id") ?? "", plate: row.string("plate") ?? "", reason: row.string("reason") ?? "", passageId: row.string("passage_id") ?? "",
              camera: row.string("camera") ?? "", time: row.date("at") ?? .distantPast, acknowledgedBy: row.string("acknowledged_by"),
              acknowledgedAt: row.date("acknowledged_at"))
    }

    private static func user(_ row: SQLRow) -> DeskUser {
        DeskUser(username: row.string("username") ?? "", role: row.string("role").flatMap(DeskRole.init(rawValue:)) ?? .viewer,
                 createdAt: row.date("created_at") ?? .distantPast, lockedUntil: nil)
    }

    private static func token(_ row: SQLRow) -> APIToken? {
        row.string("role").flatMap(DeskRole.init(rawValue:)).map {
            APIToken(id: row.string("id") ?? "", name: row.string("name") ?? "", role: $0, createdBy: row.string("created_by") ?? "",
                     createdAt: row.date("created_at") ?? .distantPast)
        }
    }
}
