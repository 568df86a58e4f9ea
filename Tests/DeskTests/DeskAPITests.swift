import Delivery
import Desk
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import PlateWatchCore
import Testing
import TestSupport
import Yams

/// The desk's API through its real router (Hummingbird's test client): who may call what, CSRF, sessions,
/// lockout, tokens, corrections going downstream, the watchlist alert, and the OpenAPI document.
@Suite(.serialized) struct DeskAPITests {
    /// Every API route, the least role it needs and a body it accepts. The OpenAPI test checks each is documented.
    static let routes: [(method: HTTPRequest.Method, path: String, role: DeskRole, body: String?)] = [
        (.get, "/api/me", .viewer, nil),
        (.post, "/api/me/password", .viewer, #"{"current":"x","password":"long-enough-2"}"#),
        (.get, "/api/passages", .viewer, nil),
        (.get, "/api/passages/{passage_id}", .viewer, nil),
        (.get, "/api/passages/{passage_id}/crop.jpg", .viewer, nil),
        (.post, "/api/passages/{passage_id}/corrections", .operator, #"{"plate":"51F67891","reason":"test"}"#),
        (.get, "/api/vehicles/{plate}", .viewer, nil),
        (.get, "/api/alerts", .viewer, nil),
        (.post, "/api/alerts/{alert_id}/ack", .operator, nil),
        (.get, "/api/watchlist", .viewer, nil),
        (.post, "/api/watchlist", .operator, #"{"plate":"29C12345","reason":"test"}"#),
        (.delete, "/api/watchlist/{plate}", .operator, nil),
        (.get, "/api/cameras", .viewer, nil),
        (.get, "/api/cameras/{camera_id}/thumbnail.jpg", .viewer, nil),
        (.get, "/api/yards", .viewer, nil),
        (.get, "/api/audit", .viewer, nil),
        (.get, "/api/users", .admin, nil),
        (.post, "/api/users", .admin, #"{"username":"new.user","password":"long-enough-1","role":"viewer"}"#),
        (.delete, "/api/users/{username}", .admin, nil),
        (.get, "/api/tokens", .admin, nil),
        (.post, "/api/tokens", .admin, #"{"name":"platform","role":"viewer"}"#),
        (.delete, "/api/tokens/{token_id}", .admin, nil),
        (.get, "/api/live", .viewer, nil),
    ]

    func concrete(_ path: String, passage: String) -> String {
        path.replacingOccurrences(of: "{passage_id}", with: passage).replacingOccurrences(of: "{plate}", with: "51F67890")
            .replacingOccurrences(of: "{camera_id}", with: "lane1-entry").replacingOccurrences(of: "{alert_id}", with: "none")
            .replacingOccurrences(of: "{token_id}", with: "none")
            .replacingOccurrences(of: "{username}", with: "nobody")
    }

    @Test func everyRouteRefusesTheAnonymousAndTheRoleBelow() async throws {
        let desk = try await DeskFixture()
        defer { desk.remove() }
        let passage = UUID()
        try await desk.publish([DeskFixture.event("51F67890", passage: passage)])
        let app = Application(router: desk.server.buildRouter())
        try await app.test(.router) { client in
            let viewer = try await client.signIn("victor", DeskFixture.viewerPassword)
            let op = try await client.signIn("olga", DeskFixture.operatorPassword)
            for route in Self.routes where route.path != "/api/live" {
                let uri = concrete(route.path, passage: passage.uuidString)
                let body = route.body.map { ByteBuffer(string: $0) }
                try await client.execute(uri: uri, method: route.method, headers: [.contentType: "application/json"], body: body) { response in
                    #expect(response.status == .unauthorized, "\(route.method) \(uri) without a session: \(response.status)")
                }
                let below: Browser? = route.role == .admin ? op : route.role == .operator ? viewer : nil
                if let below {
                    try await client.execute(uri: uri, method: route.method, headers: below.headers, body: body) { response in
                        #expect(response.status == .forbidden, "\(route.method) \(uri) below \(route.role): \(response.status)")
                        #expect(String(buffer: response.body).contains("\"forbidden\""))
                    }
                }
            }
            // Pages send a browser without a session to the login form, keeping where it was going.
            try await client.execute(uri: "/vehicle?plate=51F67890", method: .get) { response in
                #expect(response.status == .seeOther)
                #expect(response.headers[.location] == "/login?next=%2Fvehicle%3Fplate%3D51F67890")
            }
            try await client.execute(uri: "/vehicle", method: .get, headers: [.cookie: viewer.cookie]) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentSecurityPolicy]?.contains("default-src 'self'") == true)
            }
        }
    }

    @Test func aChangeWithoutTheCSRFTokenIsRefusedAndOneWithItIsAuditedAndSentDownstream() async throws { try await DeskFixture.onSQLite(correction) }

    func correction(_ desk: DeskFixture) async throws {
        let passage = UUID()
        try await desk.publish([DeskFixture.event("51F67880", passage: passage)])
        let before = try desk.outbox.lastSequence()
        let app = Application(router: desk.server.buildRouter())
        try await app.test(.router) { client in
            let op = try await client.signIn("olga", DeskFixture.operatorPassword)
            let uri = "/api/passages/\(passage.uuidString)/corrections"
            let body = ByteBuffer(string: #"{"plate":"51F-678.90","reason":"8 read as 0 at night"}"#)
            try await client.execute(uri: uri, method: .post, headers: op.forged, body: body) { response in
                #expect(response.status == .forbidden)
                #expect(String(buffer: response.body).contains("\"csrf\""))
            }
            try await client.execute(uri: uri, method: .post, headers: op.headers, body: ByteBuffer(string: #"{"plate":"51F67890","reason":" "}"#)) { response in
                #expect(response.status == .badRequest, "a correction needs a reason")
            }
            try await client.execute(uri: uri, method: .post, headers: op.headers, body: body) { response in
                #expect(response.status == .created, "\(String(buffer: response.body))")
            }
            struct Detail: Decodable {
                var plate: String
                var originalPlate: String?
                var corrected: Bool
                var corrections: [Correction]
                enum CodingKeys: String, CodingKey { case plate, corrected, corrections, originalPlate = "original_plate" }
            }
            let detail = try await client.json(Detail.self, "/api/passages/\(passage.uuidString)", op)
            #expect(detail.plate == "51F67890" && detail.originalPlate == "51F67880" && detail.corrected)
            #expect(detail.corrections.map(\.user) == ["olga"])
            let audit = try await client.json(Page<AuditEntry>.self, "/api/audit", op)
            #expect(audit.items.first?.action == "passage.correct")
            #expect(audit.items.first?.detail.contains("51F67880 → 51F67890") == true)
            // The search finds the passage by its corrected plate, and by the read one only as near.
            let found = try await client.json(Page<Passage>.self, "/api/passages?plate=51F-678.90", op)
            #expect(found.items.map(\.passageId) == [passage.uuidString])
        }
        let downstream = try desk.outbox.events(after: before)
        #expect(downstream.map(\.type) == ["plate.corrected"])
        let event = try PlateEvent.makeDecoder().decode(PlateCorrectedEvent.self, from: Data(try #require(downstream.first).json.utf8))
        #expect(event.previousPlate == "51F67880" && event.plate == "51F67890" && event.user == "olga" && event.passageId == passage.uuidString)
        // The feed does not take its own correction back in as a passage.
        #expect(try await desk.feed.catchUp() == 1)
        #expect(try await desk.store.search(PassageQuery()).total == 1)
    }

    @Test func fiveWrongPasswordsLockTheUserAndTheRightOneIsThenRefused() async throws { try await DeskFixture.onSQLite(lockout) }

    func lockout(_ desk: DeskFixture) async throws {
        let app = Application(router: desk.server.buildRouter())
        try await app.test(.router) { client in
            let loginCookie = try await client.execute(uri: "/login", method: .get) { try #require($0.headers[.setCookie]?.split(separator: ";").first) }
            let csrf = loginCookie.split(separator: "=")[1]
            func attempt(_ password: String) async throws -> String {
                try await client.execute(uri: "/login", method: .post, headers: [.cookie: String(loginCookie), .contentType: "application/x-www-form-urlencoded"],
                                         body: ByteBuffer(string: "username=olga&password=\(password)&csrf=\(csrf)")) { $0.headers[.location] ?? "" }
            }
            for _ in 1...5 { #expect(try await attempt("guess").hasSuffix("error=bad")) }
            #expect(try await attempt(DeskFixture.operatorPassword).hasSuffix("error=locked"))
            // A login form posted without its CSRF cookie (from another site) never reaches the password check.
            try await client.execute(uri: "/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                                     body: ByteBuffer(string: "username=admin&password=\(DeskFixture.adminPassword)&csrf=x")) { response in
                #expect(response.headers[.location]?.hasSuffix("error=csrf") == true)
                #expect(response.headers[.setCookie] == nil)
            }
        }
        let actions = try await desk.store.auditLog(page: 1, perPage: 20).items.map(\.action)
        #expect(actions.filter { $0 == "login.failed" }.count == 5 && actions.contains("login.locked"))
    }

    @Test func aFreshInstallHasNoDefaultPassword() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("desk-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try await SQLDeskStore.open(folder.appendingPathComponent("desk.sqlite").path, logger: .init(label: "t"))
        let auth = DeskAuth(store: store, settings: DeskSettings(), logger: .init(label: "t"))
        await #expect(throws: DeskError.self) { try await auth.bootstrapAdmin(environment: ["PLATEWATCH_DESK_ADMIN_PASSWORD": "short"]) }
        let once = try #require(try await auth.bootstrapAdmin(environment: [:]), "a one-time password is made")
        #expect(once.count >= 16)
        #expect(try await auth.bootstrapAdmin(environment: [:]) == nil, "only at first start")
        _ = try await auth.login(username: "admin", password: once, address: "127.0.0.1")
        await #expect(throws: DeskError.self) { try await auth.login(username: "admin", password: "admin", address: "127.0.0.1") }
    }

    @Test func changingThePasswordNeedsTheCurrentOneAndEndsOtherSessions() async throws {
        let desk = try await DeskFixture()
        defer { desk.remove() }
        let app = Application(router: desk.server.buildRouter())
        try await app.test(.router) { client in
            let here = try await client.signIn("victor", DeskFixture.viewerPassword)
            let elsewhere = try await client.signIn("victor", DeskFixture.viewerPassword)
            try await client.execute(uri: "/api/me/password", method: .post, headers: here.headers,
                                     body: ByteBuffer(string: #"{"current":"wrong","password":"a-new-password-1"}"#)) { #expect($0.status == .forbidden) }
            try await client.execute(uri: "/api/me/password", method: .post, headers: here.headers,
                                     body: ByteBuffer(string: "{\"current\":\"\(DeskFixture.viewerPassword)\",\"password\":\"a-new-password-1\"}")) {
                #expect($0.status == .noContent)
            }
            try await client.execute(uri: "/api/me", method: .get, headers: here.headers) { #expect($0.status == .ok) }
            try await client.execute(uri: "/api/me", method: .get, headers: elsewhere.headers) { #expect($0.status == .unauthorized) }
            _ = try await client.signIn("victor", "a-new-password-1")
        }
    }

    @Test func anAPITokenWorksWithoutCookiesAndKeepsItsRole() async throws {
        let desk = try await DeskFixture()
        defer { desk.remove() }
        let app = Application(router: desk.server.buildRouter())
        try await app.test(.router) { client in
            let admin = try await client.signIn("admin", DeskFixture.adminPassword)
            let token = try await client.execute(uri: "/api/tokens", method: .post, headers: admin.headers,
                                                 body: ByteBuffer(string: #"{"name":"platform","role":"viewer"}"#)) { response in
                #expect(response.status == .created)
                return try #require(try JSONDecoder().decode([String: String].self, from: Data(buffer: response.body))["token"])
            }
            let bearer: HTTPFields = [.authorization: "Bearer \(token)", .contentType: "application/json"]
            try await client.execute(uri: "/api/passages", method: .get, headers: bearer) { #expect($0.status == .ok) }
            try await client.execute(uri: "/api/watchlist", method: .post, headers: bearer,
                                     body: ByteBuffer(string: #"{"plate":"29C12345","reason":"x"}"#)) { #expect($0.status == .forbidden) }
            try await client.execute(uri: "/api/passages", method: .get, headers: [.authorization: "Bearer pwt_wrong"]) { #expect($0.status == .unauthorized) }
            let tokens = try await client.json([APIToken].self, "/api/tokens", admin)
            #expect(tokens.map(\.name) == ["platform"] && tokens[0].createdBy == "admin")
            // The admin cannot delete the last admin.
            try await client.execute(uri: "/api/users/admin", method: .delete, headers: admin.headers) { #expect($0.status == .conflict) }
            try await client.execute(uri: "/api/users", method: .post, headers: admin.headers,
                                     body: ByteBuffer(string: #"{"username":"new.user","password":"short","role":"viewer"}"#)) { #expect($0.status == .badRequest) }
        }
    }

    @Test func aWatchlistedPlateRaisesOneAlertThatAnOperatorAcknowledges() async throws { try await DeskFixture.onSQLite(alert) }

    func alert(_ desk: DeskFixture) async throws {
        let frames = desk.server.hub.subscribe()
        let app = Application(router: desk.server.buildRouter())
        try await app.test(.router) { client in
            let op = try await client.signIn("olga", DeskFixture.operatorPassword)
            try await client.execute(uri: "/api/watchlist", method: .post, headers: op.headers,
                                     body: ByteBuffer(string: #"{"plate":"29C-123.45","reason":"stolen truck"}"#)) { #expect($0.status == .created) }
            let passage = UUID()
            try await desk.publish([DeskFixture.event("51F67890"), DeskFixture.event("29C12345", passage: passage),
                                    DeskFixture.event("29C12345", passage: passage, type: .plateUpdated)])
            let alerts = try await client.json([Alert].self, "/api/alerts?open=1", op)
            #expect(alerts.map(\.plate) == ["29C12345"] && alerts[0].reason == "stolen truck" && alerts[0].passageId == passage.uuidString)
            try await client.execute(uri: "/api/alerts/\(alerts[0].id)/ack", method: .post, headers: op.headers) { #expect($0.status == .ok) }
            #expect(try await client.json([Alert].self, "/api/alerts?open=1", op).isEmpty)
            let live = try await client.json(Page<Passage>.self, "/api/passages", op)
            #expect(live.items.first { $0.plate == "29C12345" }?.watch?.reason == "stolen truck")
        }
        // What the Live pages were sent, in order.
        var kinds: [String] = []
        for await frame in frames {
            kinds.append(String(frame.split(separator: "\n")[0]))
            if kinds.count == 5 { break }
        }
        #expect(kinds == ["event: passage", "event: alert", "event: passage", "event: passage", "event: ack"])
    }

    @Test func theOpenAPIDocumentDescribesEveryRoute() async throws {
        let desk = try await DeskFixture()
        defer { desk.remove() }
        let passage = UUID()
        try await desk.publish([DeskFixture.event("51F67890", passage: passage, journey: UUID())])
        let app = Application(router: desk.server.buildRouter())
        let (text, passageKeys) = try await app.test(.router) { client in
            let text = try await client.execute(uri: "/openapi.yaml", method: .get) { response in
                #expect(response.status == .ok)
                return String(buffer: response.body)
            }
            let admin = try await client.signIn("admin", DeskFixture.adminPassword)
            let keys = try await client.execute(uri: "/api/passages/\(passage.uuidString)", method: .get, headers: admin.headers) { response in
                try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]).keys
            }
            return (text, Set(keys))
        }
        let document = try #require(try Yams.load(yaml: text) as? [String: Any])
        // What the server sends is what the document says: every field of a real passage is a documented one.
        let schemas = (document["components"] as? [String: Any])?["schemas"] as? [String: Any]
        let documented = Set(((schemas?["Passage"] as? [String: Any])?["properties"] as? [String: Any])?.keys.map { $0 } ?? [])
        #expect(passageKeys.subtracting(documented).subtracting(["corrections"]).isEmpty,
                "undocumented Passage fields: \(passageKeys.subtracting(documented).sorted())")
        #expect((document["openapi"] as? String)?.hasPrefix("3.") == true)
        let paths = try #require(document["paths"] as? [String: Any])
        for route in Self.routes {
            let operations = paths[route.path] as? [String: Any]
            #expect(operations?[route.method.rawValue.lowercased()] != nil, "\(route.method) \(route.path) is not in /openapi.yaml")
            let role = (operations?[route.method.rawValue.lowercased()] as? [String: Any])?["x-role"] as? String
            #expect(role == route.role.rawValue, "\(route.method) \(route.path): x-role \(role ?? "none"), the server wants \(route.role)")
        }
        // And it is a valid OpenAPI 3 document (openapi-spec-validator, installed by `make test`).
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("openapi-\(UUID().uuidString).yaml")
        try text.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-m", "openapi_spec_validator", file.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "openapi-spec-validator: \(output)")
    }
}
