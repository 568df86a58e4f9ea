import Crypto
import Foundation
import HummingbirdBcrypt
import Logging
import PlateWatchCore

/// Who is making a request: a browser session (which must repeat its CSRF token on every change) or an API
/// token (a machine client: no cookie, so no CSRF).
public struct DeskIdentity: Sendable, Equatable {
    public var username: String
    public var role: DeskRole
    /// The session's CSRF token; nil for API tokens.
    public var csrf: String?
    public var sessionHash: String?
}

/// The desk's typed errors, each an HTTP answer with a message that says what to do.
public enum DeskError: Error, Equatable, CustomStringConvertible {
    case unauthenticated(String)
    case forbidden(String)
    case csrf(String)
    case badRequest(String)
    case notFound(String)
    case conflict(String)
    case locked(String)

    public var code: String {
        switch self {
        case .unauthenticated: "unauthenticated"
        case .forbidden: "forbidden"
        case .csrf: "csrf"
        case .badRequest: "bad-request"
        case .notFound: "not-found"
        case .conflict: "conflict"
        case .locked: "locked"
        }
    }

    public var message: String {
        switch self {
        case .unauthenticated(let m), .forbidden(let m), .csrf(let m), .badRequest(let m), .notFound(let m), .conflict(let m), .locked(let m): m
        }
    }

    public var description: String { "\(code): \(message)" }
}

/// Passwords (bcrypt), sessions, API tokens, lockout after repeated failures, and the first admin.
public struct DeskAuth: Sendable {
    let store: any DeskStore
    let settings: DeskSettings
    let logger: Logger
    /// bcrypt's work factor: about 0.1 s per check on the edge box's cores, slow enough against guessing.
    static let bcryptCost: UInt8 = 11
    static let minimumPasswordLength = 10

    public init(store: any DeskStore, settings: DeskSettings, logger: Logger) {
        self.store = store
        self.settings = settings
        self.logger = logger
    }

    /// A fresh install has no user: it makes `admin` with the password from the environment variable named
    /// in the config, or with a one-time random one, returned here to be printed once. Never a default.
    public func bootstrapAdmin(environment: [String: String] = ProcessInfo.processInfo.environment) async throws -> String? {
        guard try await store.userCount() == 0 else { return nil }
        let given = environment[settings.adminPasswordEnv].flatMap { $0.isEmpty ? nil : $0 }
        if let given, given.count < Self.minimumPasswordLength {
            throw DeskError.badRequest("\(settings.adminPasswordEnv) is shorter than \(Self.minimumPasswordLength) characters; set a longer password")
        }
        let password = given ?? Self.randomToken(bytes: 12)
        try await store.createUser("admin", passwordHash: Bcrypt.hash(password, cost: Self.bcryptCost), role: .admin, at: Date())
        try await store.audit(user: "system", action: "user.create", subject: "admin", detail: "first admin, role admin", at: Date())
        return given == nil ? password : nil
    }

    public func hashPassword(_ password: String) throws -> String {
        guard password.count >= Self.minimumPasswordLength else {
            throw DeskError.badRequest("the password needs at least \(Self.minimumPasswordLength) characters")
        }
        return Bcrypt.hash(password, cost: Self.bcryptCost)
    }

    /// Checks the password; returns the new session's cookie value and its CSRF token. Repeated failures for
    /// one user, or from one address, lock further tries for `lockout_minutes`.
    public func login(username: String, password: String, address: String, now: Date = Date()) async throws -> (token: String, csrf: String) {
        let window = settings.lockoutMinutes * 60
        let keys = ["user:\(username)", "addr:\(address)"]
        for key in keys {
            let failures = try await store.loginFailures(key: key, since: now.addingTimeInterval(-window))
            if failures.count >= settings.maxFailedLogins, let last = failures.last {
                let until = last.addingTimeInterval(window)
                try await store.audit(user: username, action: "login.locked", subject: username, detail: "from \(address)", at: now)
                throw DeskError.locked("too many failed logins; try again after \(RFC3339.string(from: until))")
            }
        }
        guard let (user, hash) = try await store.user(username), Bcrypt.verify(password, hash: hash) else {
            try await store.recordLoginFailure(keys: keys, at: now)
            try await store.audit(user: username, action: "login.failed", subject: username, detail: "from \(address)", at: now)
            logger.notice("desk login failed", metadata: ["user": "\(username)", "address": "\(address)"])
            throw DeskError.unauthenticated("wrong user name or password")
        }
        try await store.clearLoginFailures(key: keys[0])
        let token = Self.randomToken(bytes: 32), csrf = Self.randomToken(bytes: 24)
        try await store.createSession(tokenHash: Self.digest(token), username: user.username, csrf: csrf,
                                      expires: now.addingTimeInterval(settings.sessionHours * 3600))
        try await store.audit(user: user.username, action: "login", subject: user.username, detail: "from \(address)", at: now)
        return (token, csrf)
    }

    /// The identity behind a session cookie, sliding its expiry forward (at most once a minute).
    public func session(cookie: String, now: Date = Date()) async throws -> DeskIdentity? {
        let hash = Self.digest(cookie)
        guard let session = try await store.session(tokenHash: hash) else { return nil }
        guard session.expires > now else {
            try await store.deleteSession(tokenHash: hash)
            return nil
        }
        let fresh = now.addingTimeInterval(settings.sessionHours * 3600)
        if fresh.timeIntervalSince(session.expires) > 60 { try await store.touchSession(tokenHash: hash, expires: fresh) }
        return DeskIdentity(username: session.username, role: session.role, csrf: session.csrf, sessionHash: hash)
    }

    public func bearer(_ token: String) async throws -> DeskIdentity? {
        try await store.token(hash: Self.digest(token)).map { DeskIdentity(username: "token:\($0.name)", role: $0.role) }
    }

    public func logout(_ identity: DeskIdentity) async throws {
        if let hash = identity.sessionHash { try await store.deleteSession(tokenHash: hash) }
        try await store.audit(user: identity.username, action: "logout", subject: identity.username, detail: "", at: Date())
    }

    /// A new API token: the secret is returned once; only its hash is kept.
    public func createToken(name: String, role: DeskRole, by user: String) async throws -> (APIToken, String) {
        let secret = "pwt_" + Self.randomToken(bytes: 32)
        let token = APIToken(id: UUID().uuidString, name: name, role: role, createdBy: user, createdAt: Date())
        try await store.createToken(token, tokenHash: Self.digest(secret))
        return (token, secret)
    }

    static func digest(_ text: String) -> String {
        SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// URL-safe random text from the system's CSPRNG.
    static func randomToken(bytes: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        let data = Data((0..<bytes).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
        return data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Compares secrets without leaking where they differ through timing.
    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
