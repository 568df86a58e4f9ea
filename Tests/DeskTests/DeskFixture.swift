import Delivery
import Desk
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import PlateWatchCore
import Testing

/// A desk on fresh SQLite files in a temporary folder, with an admin, an operator and a viewer, and the
/// outbox its feed reads.
struct DeskFixture {
    static let adminPassword = "admin-password-1"
    static let operatorPassword = "operator-password-1"
    static let viewerPassword = "viewer-password-1"

    let folder: URL
    let outbox: Outbox
    let store: SQLDeskStore
    let server: DeskServer
    let feed: DeskFeed

    /// - Parameter backend: the store's database; nil for a SQLite file in the folder.
    init(settings: DeskSettings = DeskSettings(), backend: (any SQLBackend)? = nil) async throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("desk-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        outbox = try Outbox(path: folder.appendingPathComponent("outbox.sqlite").path)
        store = try await SQLDeskStore(backend: backend ?? SQLiteBackend(path: folder.appendingPathComponent("desk.sqlite").path))
        let hub = LiveHub()
        let cameras = InProcessCameraStatus(list: {
            [CameraStatus(id: "lane1-entry", group: "lane1", role: "entry", yard: nil, state: "streaming", fps: 25, lastFrame: Date(), reconnects: 0,
                          thumbnailURL: "/api/cameras/lane1-entry/thumbnail.jpg")]
        }, picture: { $0 == "lane1-entry" ? Data([0xFF, 0xD8, 0xFF, 0xD9]) : nil })
        var logger = Logger(label: "desk-test")
        logger.logLevel = .warning
        server = try DeskServer(settings: settings, site: "test-site", store: store, outbox: outbox, hub: hub, cameras: cameras, logger: logger)
        feed = DeskFeed(outbox: outbox, store: store, hub: hub, logger: logger)
        _ = try await server.auth.bootstrapAdmin(environment: [settings.adminPasswordEnv: Self.adminPassword])
        try await store.createUser("olga", passwordHash: try server.auth.hashPassword(Self.operatorPassword), role: .operator, at: Date())
        try await store.createUser("victor", passwordHash: try server.auth.hashPassword(Self.viewerPassword), role: .viewer, at: Date())
    }

    func remove() { try? FileManager.default.removeItem(at: folder) }

    /// Runs a test body on a fresh desk over SQLite files (the PostgreSQL suite runs the same bodies).
    static func onSQLite(_ body: (DeskFixture) async throws -> Void) async throws {
        let desk = try await DeskFixture()
        defer { desk.remove() }
        try await body(desk)
    }

    /// A `plate.read` as the pipeline publishes it.
    static func event(_ plate: String, camera: String = "lane1-entry", role: CameraRole = .entry, passage: UUID = UUID(),
                      type: PlateEvent.Kind = .plateRead, at time: Date = Date(), confidence: Double = 0.93, journey: UUID? = nil,
                      step: Int = 1) -> PlateEvent {
        PlateEvent(type: type, site: "test-site", camera: camera, group: "lane1", role: role, passageId: passage, plate: plate, display: plate,
                   format: .vnOneLine, confidence: confidence, firstSeen: time, lastSeen: time.addingTimeInterval(1), mediaTime: nil,
                   box: PixelRect(x: 10, y: 10, width: 120, height: 30), votes: 5, reads: 6, candidates: [],
                   crop: PlateEvent.Crop(width: 2, height: 2, jpegBase64: Data([0xFF, 0xD8, 0xFF, 0xD9]).base64EncodedString()),
                   journey: journey.map { PlateEvent.JourneyStep(id: $0, step: step, elapsedSeconds: Double(step - 1) * 600) })
    }

    /// Appends events to the outbox and lets the feed take them.
    func publish(_ events: [PlateEvent]) async throws {
        for event in events { try outbox.append(event) }
        while try await feed.catchUp() > 0 {}
    }
}

/// A signed-in browser: its cookies and the session's CSRF token.
struct Browser {
    var cookie: String
    var csrf: String

    var headers: HTTPFields {
        var h: HTTPFields = [.cookie: cookie, .contentType: "application/json"]
        h[HTTPField.Name("X-CSRF-Token")!] = csrf
        return h
    }

    /// Without the CSRF token: what a forged cross-site form would send.
    var forged: HTTPFields { [.cookie: cookie, .contentType: "application/json"] }
}

extension TestClientProtocol {
    /// Signs in through the login form as a browser does: fetch the form (its CSRF cookie), post it, keep the
    /// session cookie, ask `/api/me` for the CSRF token.
    func signIn(_ user: String, _ password: String) async throws -> Browser {
        let loginCookie = try await execute(uri: "/login", method: .get) { response in
            try #require(response.headers[.setCookie]?.split(separator: ";").first.map(String.init))
        }
        let csrf = String(loginCookie.split(separator: "=", maxSplits: 1)[1])
        let session = try await execute(uri: "/login", method: .post, headers: [.cookie: loginCookie, .contentType: "application/x-www-form-urlencoded"],
                                        body: ByteBuffer(string: "username=\(user)&password=\(password)&csrf=\(csrf)&next=%2Fsearch")) { response in
            #expect(response.status == .seeOther)
            #expect(response.headers[.location] == "/search", "wrong password or locked: \(response.headers[.location] ?? "")")
            return try #require(response.headers[.setCookie]?.split(separator: ";").first.map(String.init))
        }
        let me = try await execute(uri: "/api/me", method: .get, headers: [.cookie: session]) { response in
            try JSONDecoder().decode([String: String].self, from: Data(buffer: response.body))
        }
        return Browser(cookie: session, csrf: try #require(me["csrf"]))
    }

    func json<T: Decodable>(_ type: T.Type, _ uri: String, _ browser: Browser) async throws -> T {
        try await execute(uri: uri, method: .get, headers: browser.headers) { response in
            #expect(response.status == .ok, "\(uri): \(response.status) \(String(buffer: response.body))")
            return try PlateEvent.makeDecoder().decode(T.self, from: Data(buffer: response.body))
        }
    }
}

extension Data {
    init(buffer: ByteBuffer) { self.init(buffer.readableBytesView) }
}
