import Delivery
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import PlateWatchCore

/// Each request's context: who is asking (set by `DeskAuthMiddleware`) and from where.
public struct DeskContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var identity: DeskIdentity?
    public var address: String

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        identity = nil
        address = source.channel.remoteAddress?.ipAddress ?? "unknown"
    }

    public var requestDecoder: JSONDecoder { DeskJSON.decoder }
    public var responseEncoder: JSONEncoder { DeskJSON.encoder }
    public var maxUploadSize: Int { 64 * 1024 }
}

extension DeskError: HTTPResponseError {
    public var status: HTTPResponse.Status {
        switch self {
        case .unauthenticated: .unauthorized
        case .forbidden, .csrf: .forbidden
        case .badRequest: .badRequest
        case .notFound: .notFound
        case .conflict: .conflict
        case .locked: .tooManyRequests
        }
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = try DeskJSON.encoder.encode(["error": code, "message": message])
        return Response(status: status, headers: [.contentType: "application/json; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}

/// Finds who is asking: an API token (`Authorization: Bearer`) or a session cookie; and refuses a
/// state-changing request made with a session cookie unless it repeats the session's CSRF token.
struct DeskAuthMiddleware: RouterMiddleware {
    typealias Context = DeskContext
    let auth: DeskAuth

    func handle(_ request: Request, context: DeskContext, next: (Request, DeskContext) async throws -> Response) async throws -> Response {
        var context = context
        if let header = request.headers[.authorization] {
            guard header.hasPrefix("Bearer "), let identity = try await auth.bearer(String(header.dropFirst(7))) else {
                throw DeskError.unauthenticated("the API token is not valid; ask an admin for a new one")
            }
            context.identity = identity
        } else if let cookie = request.cookies["pw_session"]?.value {
            context.identity = try await auth.session(cookie: cookie)
        }
        let changes = ![.get, .head, .options].contains(request.method)
        if changes, request.uri.path != "/login", let expected = context.identity?.csrf {
            let given = request.headers[DeskServer.csrfHeader] ?? ""
            guard DeskAuth.constantTimeEqual(given, expected) else {
                throw DeskError.csrf("the request did not carry this session's CSRF token; reload the page and try again")
            }
        }
        return try await next(request, context)
    }
}

/// Security headers on every answer: no framing, no sniffing, scripts and styles only from the desk itself.
struct SecurityHeadersMiddleware: RouterMiddleware {
    typealias Context = DeskContext
    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!
    static let frameOptions = HTTPField.Name("X-Frame-Options")!

    func handle(_ request: Request, context: DeskContext, next: (Request, DeskContext) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        response.headers[.contentSecurityPolicy] = "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[Self.referrerPolicy] = "same-origin"
        response.headers[Self.frameOptions] = "DENY"
        if response.headers[.cacheControl] == nil { response.headers[.cacheControl] = "no-store" }
        return response
    }
}

/// The desk's web server: pages, static assets, the JSON API, the live stream; built on a store, the
/// outbox (corrections go downstream through it) and a view of the cameras.
public struct DeskServer: Sendable {
    public let settings: DeskSettings
    public let site: String
    public let store: any DeskStore
    public let outbox: Outbox
    public let auth: DeskAuth
    public let hub: LiveHub
    public let cameras: any CameraStatusSource
    let logger: Logger
    let assets: DeskAssets

    static let csrfHeader = HTTPField.Name("X-CSRF-Token")!

    public init(settings: DeskSettings, site: String, store: any DeskStore, outbox: Outbox, hub: LiveHub,
                cameras: any CameraStatusSource, logger: Logger) throws {
        self.settings = settings
        self.site = site
        self.store = store
        self.outbox = outbox
        self.hub = hub
        self.cameras = cameras
        self.logger = logger
        auth = DeskAuth(store: store, settings: settings, logger: logger)
        assets = try DeskAssets.load()
    }

    public func buildRouter() -> Router<DeskContext> {
        let router = Router(context: DeskContext.self)
        router.add(middleware: SecurityHeadersMiddleware())
        router.add(middleware: DeskAuthMiddleware(auth: auth))
        addPages(to: router)
        addAPI(to: router)
        return router
    }

    /// The Hummingbird application on `desk.listen`.
    public func application(port: Int? = nil, onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) throws -> some ApplicationProtocol {
        guard let (host, configured) = settings.hostAndPort else {
            throw PlateWatchError(.config, subject: "desk.listen", message: "expected host:port, e.g. 127.0.0.1:8080")
        }
        return Application(router: buildRouter(),
                           configuration: .init(address: .hostname(host, port: port ?? configured), serverName: "PlateWatch desk"),
                           onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? 0) },
                           logger: logger)
    }

    // MARK: Pages

    static let pages = ["/": "live.html", "/search": "search.html", "/vehicle": "vehicle.html", "/event": "event.html",
                        "/watchlist": "watchlist.html", "/cameras": "cameras.html", "/yards": "yards.html", "/audit": "audit.html",
                        "/users": "users.html", "/account": "account.html"]

    func addPages(to router: Router<DeskContext>) {
        for (path, file) in Self.pages {
            router.get(RouterPath(path)) { request, context -> Response in
                guard context.identity != nil else {
                    let next = request.uri.path + (request.uri.query.map { "?" + $0 } ?? "")
                    return .redirect(to: "/login?next=" + (next.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "/"))
                }
                return try assets.response(file)
            }
        }
        router.get("/static/{file}") { _, context -> Response in
            try assets.response(context.parameters.get("file") ?? "", cache: true)
        }
        router.get("/login") { _, _ -> Response in
            // Double-submit CSRF for the login form: the same random value in a cookie and the form field.
            var response = try assets.response("login.html")
            response.setCookie(cookie("pw_login_csrf", DeskAuth.randomToken(bytes: 18), httpOnly: false, maxAge: 3600))
            return response
        }
        router.post("/login") { request, context -> Response in try await login(request, context) }
        router.post("/logout") { _, context -> Response in
            let identity = try context.require(.viewer)
            try await auth.logout(identity)
            var response = Response(status: .noContent)
            response.setCookie(cookie("pw_session", "", maxAge: 0))
            return response
        }
        router.get("/healthz") { _, _ in "ok\n" }
        router.get("/openapi.yaml") { _, _ -> Response in try assets.response("openapi.yaml") }
    }

    struct LoginForm: Decodable {
        var username: String
        var password: String
        var csrf: String?
        var next: String?
    }

    func login(_ request: Request, _ context: DeskContext) async throws -> Response {
        var request = request
        let body = try await request.collectBody(upTo: 16 * 1024)
        let form = try URLEncodedFormDecoder().decode(LoginForm.self, from: String(buffer: body))
        // Only a path on this server: an open redirect would let a link send an officer elsewhere after login.
        let next = form.next.flatMap { $0.hasPrefix("/") && !$0.hasPrefix("//") ? $0 : nil } ?? "/"
        let back = "/login?next=" + (next.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "/")
        guard let given = form.csrf, let expected = request.cookies["pw_login_csrf"]?.value, DeskAuth.constantTimeEqual(given, expected) else {
            return .redirect(to: back + "&error=csrf", type: .normal)
        }
        do {
            let (token, _) = try await auth.login(username: form.username, password: form.password, address: context.address)
            var response = Response.redirect(to: next, type: .normal)
            // A browser-session cookie: closing the browser ends it; the server ends it after session_hours idle.
            response.setCookie(cookie("pw_session", token, maxAge: nil))
            return response
        } catch DeskError.locked {
            return .redirect(to: back + "&error=locked", type: .normal)
        } catch DeskError.unauthenticated {
            return .redirect(to: back + "&error=bad", type: .normal)
        }
    }

    func cookie(_ name: String, _ value: String, httpOnly: Bool = true, maxAge: Int?) -> Cookie {
        Cookie(name: name, value: value, maxAge: maxAge, path: "/", secure: settings.secureCookies, httpOnly: httpOnly, sameSite: .strict)
    }
}

extension DeskContext {
    /// The caller, when their role is at least `role`; otherwise the 401 or 403 that says why.
    func require(_ role: DeskRole) throws -> DeskIdentity {
        guard let identity else { throw DeskError.unauthenticated("sign in first (or send an API token)") }
        guard identity.role >= role else {
            throw DeskError.forbidden("this needs the \(role.rawValue) role; \(identity.username) is \(identity.role.rawValue)")
        }
        return identity
    }
}

/// The pages, scripts, styles and the OpenAPI document, read once from the module's resources.
struct DeskAssets: Sendable {
    let files: [String: (data: Data, type: String)]

    static func load() throws -> DeskAssets {
        guard let folder = Bundle.module.url(forResource: "Assets", withExtension: nil),
              let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else {
            throw PlateWatchError(.fileNotFound, subject: "desk", message: "the desk's pages are missing",
                                  hint: "install PlateWatch_Desk.resources next to the platewatch binary")
        }
        let types = ["html": "text/html; charset=utf-8", "js": "text/javascript; charset=utf-8", "css": "text/css; charset=utf-8",
                     "yaml": "application/yaml; charset=utf-8", "svg": "image/svg+xml", "png": "image/png"]
        var files: [String: (Data, String)] = [:]
        for name in names {
            guard let data = FileManager.default.contents(atPath: folder.appendingPathComponent(name).path) else { continue }
            files[name] = (data, types[(name as NSString).pathExtension] ?? "application/octet-stream")
        }
        return DeskAssets(files: files)
    }

    func response(_ name: String, cache: Bool = false) throws -> Response {
        guard let file = files[name] else { throw DeskError.notFound("no file \(name)") }
        var headers: HTTPFields = [.contentType: file.type]
        if cache { headers[.cacheControl] = "private, max-age=300" }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: file.data)))
    }
}
