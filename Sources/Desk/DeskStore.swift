import Foundation
import PlateWatchCore

/// Everything the desk keeps. One embedded SQLite implementation (`SQLiteDeskStore`); the interface is
/// async so a server-backed store for a central desk over many boxes fits behind it.
public protocol DeskStore: Sendable {
    // Passages, fed from the outbox.
    /// Stores a `plate.read`/`plate.updated` (the latter replaces its passage's plate, keeping any correction).
    /// Returns the passage as it now is, or nil when this event was already stored.
    func ingest(_ event: PlateEvent, crop: Data?) async throws -> Passage?
    func ingest(_ event: YardOccupancyEvent) async throws
    func passage(_ passageId: String) async throws -> Passage?
    func crop(_ passageId: String) async throws -> Data?
    func search(_ query: PassageQuery) async throws -> Page<Passage>
    /// Every passage of a plate (as corrected), newest first.
    func passages(plate: String) async throws -> [Passage]
    /// The latest passage of each camera.
    func lastPassageByCamera() async throws -> [String: Passage]
    func feedCursor() async throws -> Int64
    func setFeedCursor(_ sequence: Int64) async throws

    // Corrections.
    func correct(_ passageId: String, to plate: String, user: String, reason: String, at: Date) async throws -> Correction
    func corrections(_ passageId: String) async throws -> [Correction]

    // Watchlist and alerts.
    func watch(_ entry: WatchEntry) async throws
    func unwatch(_ plate: String) async throws -> Bool
    func watchlist(now: Date) async throws -> [WatchEntry]
    /// Whether it is new: an alert's id is derived from its passage, one alert per passage.
    func addAlert(_ alert: Alert) async throws -> Bool
    func alerts(openOnly: Bool) async throws -> [Alert]
    func acknowledge(alert id: String, user: String, at: Date) async throws -> Alert?

    // Yards.
    func yards(since startOfDay: Date) async throws -> [YardCount]

    // Users, sessions, tokens, login failures.
    func userCount() async throws -> Int
    func createUser(_ username: String, passwordHash: String, role: DeskRole, at: Date) async throws
    func user(_ username: String) async throws -> (user: DeskUser, passwordHash: String)?
    func users() async throws -> [DeskUser]
    func deleteUser(_ username: String) async throws -> Bool
    /// A new password hash; every session of the user but `keeping` ends.
    func setPassword(_ username: String, passwordHash: String, keeping session: String?) async throws
    func recordLoginFailure(keys: [String], at: Date) async throws
    func loginFailures(key: String, since: Date) async throws -> [Date]
    func clearLoginFailures(key: String) async throws
    func createSession(tokenHash: String, username: String, csrf: String, expires: Date) async throws
    func session(tokenHash: String) async throws -> DeskSession?
    func touchSession(tokenHash: String, expires: Date) async throws
    func deleteSession(tokenHash: String) async throws
    func createToken(_ token: APIToken, tokenHash: String) async throws
    func token(hash: String) async throws -> APIToken?
    func tokens() async throws -> [APIToken]
    func deleteToken(_ id: String) async throws -> Bool

    // Audit.
    func audit(user: String, action: String, subject: String, detail: String, at: Date) async throws
    func auditLog(page: Int, perPage: Int) async throws -> Page<AuditEntry>
}
