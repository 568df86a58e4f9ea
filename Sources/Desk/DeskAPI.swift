import Delivery
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdBcrypt
import NIOCore
import PlateWatchCore

/// The JSON API (docs/desk-api.md). Every route names the least role it needs; `route` checks it before the
/// handler runs, so no handler can forget.
extension DeskServer {
    typealias Handler = @Sendable (Request, DeskContext, DeskIdentity) async throws -> Response

    func route(_ router: Router<DeskContext>, _ method: HTTPRequest.Method, _ path: String, _ role: DeskRole, _ handler: @escaping Handler) {
        router.on(RouterPath(path), method: method) { request, context -> Response in
            let identity = try context.require(role)
            return try await handler(request, context, identity)
        }
    }

    func addAPI(to router: Router<DeskContext>) {
        route(router, .get, "/api/me", .viewer) { _, _, who in
            try json(["username": who.username, "role": who.role.rawValue, "csrf": who.csrf ?? ""])
        }
        route(router, .post, "/api/me/password", .viewer) { request, context, who in
            struct Body: Decodable { var current: String; var password: String }
            let body = try await decode(Body.self, request, context)
            guard who.sessionHash != nil, let (_, hash) = try await store.user(who.username) else {
                throw DeskError.forbidden("an API token has no password to change")
            }
            guard Bcrypt.verify(body.current, hash: hash) else {
                try await store.audit(user: who.username, action: "password.failed", subject: who.username, detail: "wrong current password", at: Date())
                throw DeskError.forbidden("the current password is wrong")
            }
            try await store.setPassword(who.username, passwordHash: try auth.hashPassword(body.password), keeping: who.sessionHash)
            try await store.audit(user: who.username, action: "password.change", subject: who.username, detail: "other sessions ended", at: Date())
            return Response(status: .noContent)
        }
        addPassageRoutes(to: router)
        addWatchRoutes(to: router)
        addAdminRoutes(to: router)
        route(router, .get, "/api/live", .viewer) { _, _, _ in live() }
        route(router, .get, "/api/cameras", .viewer) { _, _, _ in try json(await cameraRows()) }
        route(router, .get, "/api/cameras/{camera_id}/thumbnail.jpg", .viewer) { _, context, _ in
            guard let data = await cameras.thumbnail(try context.parameters.require("camera_id")) else {
                throw DeskError.notFound("no picture from this camera yet")
            }
            return jpeg(data)
        }
        route(router, .get, "/api/yards", .viewer) { _, _, _ in
            try json(try await store.yards(since: Calendar.current.startOfDay(for: Date())))
        }
        route(router, .get, "/api/audit", .viewer) { request, _, _ in
            let (page, perPage) = try paging(request, defaultSize: 50)
            return try json(try await store.auditLog(page: page, perPage: perPage))
        }
    }

    // MARK: Passages and corrections

    func addPassageRoutes(to router: Router<DeskContext>) {
        route(router, .get, "/api/passages", .viewer) { request, _, _ in
            let q = request.uri.queryParameters
            var query = PassageQuery()
            query.plate = q.get("plate")
            if let match = q.get("match"), !match.isEmpty {
                guard let parsed = PassageQuery.Match(rawValue: match) else { throw DeskError.badRequest("match is exact, prefix or near") }
                query.match = parsed
            }
            query.camera = q.get("camera")
            query.role = q.get("role")
            query.from = try time(q.get("from"), "from")
            query.to = try time(q.get("to"), "to")
            (query.page, query.perPage) = try paging(request, defaultSize: 25)
            var page = try await store.search(query)
            page.items = try await marked(page.items)
            return try json(page)
        }
        route(router, .get, "/api/passages/{passage_id}", .viewer) { _, context, _ in
            let id = try context.parameters.require("passage_id")
            guard let passage = try await store.passage(id) else { throw DeskError.notFound("no passage \(id)") }
            struct Detail: Encodable {
                var passage: Passage
                var corrections: [Correction]
                func encode(to encoder: any Encoder) throws {
                    try passage.encode(to: encoder)
                    var container = encoder.container(keyedBy: Key.self)
                    try container.encode(corrections, forKey: .corrections)
                }
                enum Key: String, CodingKey { case corrections }
            }
            return try json(Detail(passage: try await marked([passage])[0], corrections: try await store.corrections(id)))
        }
        route(router, .get, "/api/passages/{passage_id}/crop.jpg", .viewer) { _, context, _ in
            guard let data = try await store.crop(try context.parameters.require("passage_id")) else { throw DeskError.notFound("this passage has no crop") }
            return jpeg(data)
        }
        route(router, .post, "/api/passages/{passage_id}/corrections", .operator) { request, context, who in
            struct Body: Decodable { var plate: String; var reason: String }
            let id = try context.parameters.require("passage_id")
            let body = try await decode(Body.self, request, context)
            let plate = PlateText.normalise(body.plate), reason = body.reason.trimmingCharacters(in: .whitespacesAndNewlines)
            guard Self.isPlate(plate) else {
                throw DeskError.badRequest("a plate is 3 to 10 Latin letters and digits, after a province character for a Chinese plate (dashes, dots and spaces are dropped)")
            }
            guard !reason.isEmpty, reason.count <= 500 else { throw DeskError.badRequest("say why the read is wrong (up to 500 characters)") }
            guard let before = try await store.passage(id) else { throw DeskError.notFound("no passage \(id)") }
            guard plate != before.plate else { throw DeskError.badRequest("the passage already has plate \(plate)") }
            let now = Date()
            let correction = try await store.correct(id, to: plate, user: who.username, reason: reason, at: now)
            try await store.audit(user: who.username, action: "passage.correct", subject: id,
                                  detail: "\(before.plate) → \(plate) at \(before.camera): \(reason)", at: now)
            // Downstream through the outbox, like every event: the platform corrects its copy.
            try outbox.append(PlateCorrectedEvent(site: before.site, camera: before.camera, passageId: id, previousPlate: before.plate,
                                                  plate: plate, user: who.username, reason: reason, time: now))
            if let after = try await store.passage(id) { hub.send("passage", try await marked([after])[0]) }
            logger.notice("passage corrected", metadata: ["passage": "\(id)", "from": "\(before.plate)", "to": "\(plate)", "user": "\(who.username)"])
            return try json(correction, status: .created)
        }
        route(router, .get, "/api/vehicles/{plate}", .viewer) { _, context, _ in
            let plate = PlateText.normalise(try context.parameters.require("plate"))
            let passages = try await marked(try await store.passages(plate: plate))
            return try json(Vehicle(plate: plate, passages: passages, journeys: Vehicle.journeys(passages)))
        }
    }

    // MARK: Watchlist and alerts

    func addWatchRoutes(to router: Router<DeskContext>) {
        route(router, .get, "/api/watchlist", .viewer) { _, _, _ in try json(try await store.watchlist(now: Date())) }
        route(router, .post, "/api/watchlist", .operator) { request, context, who in
            struct Body: Decodable {
                var plate: String
                var reason: String
                var expiresAt: Date?
                enum CodingKeys: String, CodingKey { case plate, reason, expiresAt = "expires_at" }
            }
            let body = try await decode(Body.self, request, context)
            let plate = PlateText.normalise(body.plate), reason = body.reason.trimmingCharacters(in: .whitespacesAndNewlines)
            guard Self.isPlate(plate) else { throw DeskError.badRequest("a plate is 3 to 10 Latin letters and digits, after a province character for a Chinese plate") }
            guard !reason.isEmpty else { throw DeskError.badRequest("give the reason the plate is watched") }
            if let expires = body.expiresAt, expires <= Date() { throw DeskError.badRequest("the expiry is in the past") }
            let entry = WatchEntry(plate: plate, reason: reason, addedBy: who.username, addedAt: Date(), expiresAt: body.expiresAt)
            try await store.watch(entry)
            try await store.audit(user: who.username, action: "watchlist.add", subject: plate,
                                  detail: reason + (body.expiresAt.map { " (until \(RFC3339.string(from: $0)))" } ?? ""), at: Date())
            return try json(entry, status: .created)
        }
        route(router, .delete, "/api/watchlist/{plate}", .operator) { _, context, who in
            let plate = PlateText.normalise(try context.parameters.require("plate"))
            guard try await store.unwatch(plate) else { throw DeskError.notFound("\(plate) is not on the watchlist") }
            try await store.audit(user: who.username, action: "watchlist.remove", subject: plate, detail: "", at: Date())
            return Response(status: .noContent)
        }
        route(router, .get, "/api/alerts", .viewer) { request, _, _ in
            try json(try await store.alerts(openOnly: request.uri.queryParameters.get("open") == "1"))
        }
        route(router, .post, "/api/alerts/{alert_id}/ack", .operator) { _, context, who in
            let id = try context.parameters.require("alert_id")
            guard let alert = try await store.acknowledge(alert: id, user: who.username, at: Date()) else { throw DeskError.notFound("no alert \(id)") }
            try await store.audit(user: who.username, action: "alert.ack", subject: alert.plate, detail: "at \(alert.camera)", at: Date())
            hub.send("ack", ["id": id])
            return try json(alert)
        }
    }

    // MARK: Users and tokens

    func addAdminRoutes(to router: Router<DeskContext>) {
        route(router, .get, "/api/users", .admin) { _, _, _ in try json(try await store.users()) }
        route(router, .post, "/api/users", .admin) { request, context, who in
            struct Body: Decodable { var username: String; var password: String; var role: DeskRole }
            let body = try await decode(Body.self, request, context)
            guard body.username.range(of: "^[a-z0-9._-]{2,32}$", options: .regularExpression) != nil else {
                throw DeskError.badRequest("a user name is 2 to 32 lower-case letters, digits, dots, dashes or underscores")
            }
            try await store.createUser(body.username, passwordHash: try auth.hashPassword(body.password), role: body.role, at: Date())
            try await store.audit(user: who.username, action: "user.create", subject: body.username, detail: "role \(body.role.rawValue)", at: Date())
            return try json(DeskUser(username: body.username, role: body.role, createdAt: Date(), lockedUntil: nil), status: .created)
        }
        route(router, .delete, "/api/users/{username}", .admin) { _, context, who in
            let name = try context.parameters.require("username")
            let admins = try await store.users().filter { $0.role == .admin }
            if admins.map(\.username) == [name] { throw DeskError.conflict("\(name) is the last admin; make another admin first") }
            guard try await store.deleteUser(name) else { throw DeskError.notFound("no user \(name)") }
            try await store.audit(user: who.username, action: "user.delete", subject: name, detail: "", at: Date())
            return Response(status: .noContent)
        }
        route(router, .get, "/api/tokens", .admin) { _, _, _ in try json(try await store.tokens()) }
        route(router, .post, "/api/tokens", .admin) { request, context, who in
            struct Body: Decodable { var name: String; var role: DeskRole }
            let body = try await decode(Body.self, request, context)
            guard !body.name.isEmpty, body.name.count <= 64 else { throw DeskError.badRequest("name the token (up to 64 characters)") }
            let (token, secret) = try await auth.createToken(name: body.name, role: body.role, by: who.username)
            try await store.audit(user: who.username, action: "token.create", subject: body.name, detail: "role \(body.role.rawValue)", at: Date())
            return try json(["id": token.id, "name": token.name, "role": token.role.rawValue, "token": secret], status: .created)
        }
        route(router, .delete, "/api/tokens/{token_id}", .admin) { _, context, who in
            let id = try context.parameters.require("token_id")
            guard try await store.deleteToken(id) else { throw DeskError.notFound("no token \(id)") }
            try await store.audit(user: who.username, action: "token.delete", subject: id, detail: "", at: Date())
            return Response(status: .noContent)
        }
    }

    // MARK: Helpers

    /// The event schema's plate (docs/events.schema.json): what a correction may set, so the platform takes it.
    static func isPlate(_ text: String) -> Bool {
        text.range(of: "^[\u{4e00}-\u{9fff}]?[0-9A-Z]{3,10}$", options: .regularExpression) != nil
    }

    /// Server-Sent Events: every passage, alert and acknowledgement as it happens.
    func live() -> Response {
        let frames = hub.subscribe()
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"], body: .init { writer in
            try await writer.write(ByteBuffer(string: "retry: 2000\n\n"))
            for await frame in frames { try await writer.write(ByteBuffer(string: frame)) }
            try await writer.finish(nil)
        })
    }

    /// Passages with their watchlist mark, for the Live and Search pages.
    func marked(_ passages: [Passage]) async throws -> [Passage] {
        let watched = Dictionary(try await store.watchlist(now: Date()).map { ($0.plate, $0.reason) }, uniquingKeysWith: { a, _ in a })
        return passages.map { p in
            var p = p
            p.watch = watched[p.plate].map { .init(reason: $0) }
            return p
        }
    }

    func cameraRows() async throws -> [CameraStatus] {
        let last = try await store.lastPassageByCamera()
        return await cameras.cameras().map { row in
            var row = row
            row.lastEvent = last[row.id]?.time
            return row
        }
    }

    func decode<T: Decodable>(_ type: T.Type, _ request: Request, _ context: DeskContext) async throws -> T {
        do { return try await request.decode(as: type, context: context) } catch let error as DeskError { throw error } catch {
            throw DeskError.badRequest("the JSON body is not what this route takes: \(error)")
        }
    }

    func json<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) throws -> Response {
        Response(status: status, headers: [.contentType: "application/json; charset=utf-8"],
                 body: .init(byteBuffer: ByteBuffer(bytes: try DeskJSON.encoder.encode(value))))
    }

    func jpeg(_ data: Data) -> Response {
        Response(status: .ok, headers: [.contentType: "image/jpeg", .cacheControl: "private, max-age=60"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    func paging(_ request: Request, defaultSize: Int) throws -> (Int, Int) {
        let q = request.uri.queryParameters
        let page = try q.get("page").map { guard let n = Int($0), n >= 1 else { throw DeskError.badRequest("page counts from 1") }; return n } ?? 1
        let size = try q.get("per_page").map {
            guard let n = Int($0), (1...100).contains(n) else { throw DeskError.badRequest("per_page is 1 to 100") }
            return n
        } ?? defaultSize
        return (page, size)
    }

    func time(_ text: String?, _ name: String) throws -> Date? {
        guard let text, !text.isEmpty else { return nil }
        if let date = RFC3339.date(from: text) ?? (try? Date(text, strategy: .iso8601)) { return date }
        throw DeskError.badRequest("\(name) is not an RFC 3339 time (2026-11-25T08:00:00Z)")
    }
}

/// One plate's passages and the journeys they make (entry → yard-in → yard-out → exit).
struct Vehicle: Encodable {
    struct Journey: Encodable {
        struct Step: Encodable {
            var role: String
            var camera: String
            var time: Date
            /// Since the journey's first step; for a `yard-out`, the time spent in the yard.
            var elapsedSeconds: Double?
            var dwellSeconds: Double?
            enum CodingKeys: String, CodingKey { case role, camera, time, elapsedSeconds = "elapsed_seconds", dwellSeconds = "dwell_seconds" }
        }
        var id: String
        var flags: [String]
        var steps: [Step]
    }

    var plate: String
    var passages: [Passage]
    var journeys: [Journey]

    static func journeys(_ passages: [Passage]) -> [Journey] {
        let byJourney = Dictionary(grouping: passages.filter { $0.journeyId != nil }, by: { $0.journeyId! })
        return byJourney.map { id, steps in
            let ordered = steps.sorted { ($0.journeyStep ?? 0, $0.time) < ($1.journeyStep ?? 0, $1.time) }
            var flags: [String] = []
            for flag in ordered.flatMap(\.journeyFlags) where !flags.contains(flag) { flags.append(flag) }
            return Journey(id: id, flags: flags, steps: ordered.map {
                .init(role: $0.role, camera: $0.camera, time: $0.time, elapsedSeconds: $0.journeyElapsedSeconds, dwellSeconds: $0.yardDwellSeconds)
            })
        }.sorted { ($0.steps.first?.time ?? .distantPast) > ($1.steps.first?.time ?? .distantPast) }
    }
}
