import Foundation
import GRDB
import PlateWatchCore

/// A value bound to or read from a statement, the same for SQLite and PostgreSQL.
public enum SQLValue: Sendable, Equatable {
    case null
    case int(Int64)
    case double(Double)
    case text(String)
    case blob(Data)
    case bool(Bool)
}

/// What the store's statements bind: plain Swift values, optional or not.
public protocol SQLBindable: Sendable { var sqlValue: SQLValue { get } }
extension String: SQLBindable { public var sqlValue: SQLValue { .text(self) } }
extension Int: SQLBindable { public var sqlValue: SQLValue { .int(Int64(self)) } }
extension Int64: SQLBindable { public var sqlValue: SQLValue { .int(self) } }
extension Double: SQLBindable { public var sqlValue: SQLValue { .double(self) } }
extension Bool: SQLBindable { public var sqlValue: SQLValue { .bool(self) } }
extension Data: SQLBindable { public var sqlValue: SQLValue { .blob(self) } }
extension Date: SQLBindable { public var sqlValue: SQLValue { .double(timeIntervalSince1970) } }
extension Optional: SQLBindable where Wrapped: SQLBindable { public var sqlValue: SQLValue { self?.sqlValue ?? .null } }

/// One result row by column name. Accessors convert between the two databases' storage (SQLite keeps
/// booleans as integers, PostgreSQL counts as bigint).
public struct SQLRow: Sendable {
    public var values: [String: SQLValue]

    public func string(_ column: String) -> String? {
        if case .text(let v) = values[column] { return v }
        return nil
    }

    public func double(_ column: String) -> Double? {
        switch values[column] {
        case .double(let v): v
        case .int(let v): Double(v)
        default: nil
        }
    }

    public func int(_ column: String) -> Int? {
        switch values[column] {
        case .int(let v): Int(v)
        case .double(let v): Int(v)
        case .bool(let v): v ? 1 : 0
        default: nil
        }
    }

    public func bool(_ column: String) -> Bool {
        switch values[column] {
        case .bool(let v): v
        case .int(let v): v != 0
        default: false
        }
    }

    public func data(_ column: String) -> Data? {
        if case .blob(let v) = values[column] { return v }
        return nil
    }

    public func date(_ column: String) -> Date? { double(column).map(Date.init(timeIntervalSince1970:)) }
}

/// Statements inside one transaction. SQL uses `?` placeholders; the PostgreSQL backend numbers them. A
/// statement whose effect must be known says `RETURNING` (both databases have it) and is fetched.
public protocol SQLSession: Sendable {
    func execute(_ sql: String, _ arguments: [any SQLBindable]) async throws
    func fetch(_ sql: String, _ arguments: [any SQLBindable]) async throws -> [SQLRow]
}

extension SQLSession {
    func one(_ sql: String, _ arguments: [any SQLBindable] = []) async throws -> SQLRow? { try await fetch(sql, arguments).first }
    func count(_ sql: String, _ arguments: [any SQLBindable] = []) async throws -> Int {
        try await one(sql, arguments)?.values.values.first.flatMap { SQLRow(values: ["n": $0]).int("n") } ?? 0
    }
}

/// A database the desk's store runs on: one transaction at a time, in order.
public protocol SQLBackend: Sendable {
    var dialect: SQLDialect { get }
    /// Where it is, for messages (a path or a URL without its password).
    var location: String { get }
    func transaction<T: Sendable>(_ body: @Sendable (any SQLSession) async throws -> T) async throws -> T
}

/// The little that differs in the two databases' DDL.
public enum SQLDialect: Sendable {
    case sqlite, postgres

    /// `{blob}` and `{serial}` in DDL become this dialect's type names.
    func ddl(_ sql: String) -> String {
        switch self {
        case .sqlite: sql.replacingOccurrences(of: "{blob}", with: "BLOB").replacingOccurrences(of: "{serial}", with: "INTEGER PRIMARY KEY AUTOINCREMENT")
        case .postgres: sql.replacingOccurrences(of: "{blob}", with: "BYTEA").replacingOccurrences(of: "{serial}", with: "BIGSERIAL PRIMARY KEY")
        }
    }
}

/// Lets one task at a time through, in arrival order: a transaction holds it across its awaits.
actor AsyncGate {
    private var busy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    func enter() async {
        if !busy {
            busy = true
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    func leave() {
        if waiting.isEmpty { busy = false } else { waiting.removeFirst().resume() }
    }

    func run<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        await enter()
        do {
            let result = try await body()
            leave()
            return result
        } catch {
            leave()
            throw error
        }
    }
}

/// SQLite through GRDB, one connection (WAL, synchronous=FULL: corrections and the audit log are on disk
/// before the answer). The gate keeps each transaction's statements together on the connection.
public final class SQLiteBackend: SQLBackend {
    private let queue: DatabaseQueue
    private let gate = AsyncGate()
    public let location: String
    public var dialect: SQLDialect { .sqlite }

    public init(path: String) throws {
        location = path
        do {
            try FileManager.default.createDirectory(at: URL(fileURLWithPath: path).deletingLastPathComponent(), withIntermediateDirectories: true)
            var configuration = Configuration()
            configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
            configuration.busyMode = .timeout(5)
            // A transaction spans several accesses (the gate keeps them together), so GRDB must let it stay open.
            configuration.allowsUnsafeTransactions = true
            queue = try DatabaseQueue(path: path, configuration: configuration)
            try queue.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA journal_mode = WAL") }
        } catch {
            throw PlateWatchError(.store, subject: path, message: "cannot open the desk store: \(error)",
                                  hint: "check that the folder is writable and the disk is not full")
        }
    }

    public func transaction<T: Sendable>(_ body: @Sendable (any SQLSession) async throws -> T) async throws -> T {
        try await gate.run {
            let session = Session(queue: queue)
            try queue.inDatabase { try $0.execute(sql: "BEGIN IMMEDIATE") }
            do {
                let result = try await body(session)
                try queue.inDatabase { try $0.execute(sql: "COMMIT") }
                return result
            } catch {
                try? queue.inDatabase { try $0.execute(sql: "ROLLBACK") }
                throw error
            }
        }
    }

    struct Session: SQLSession {
        let queue: DatabaseQueue

        func execute(_ sql: String, _ arguments: [any SQLBindable]) async throws {
            try queue.inDatabase { db in try db.execute(sql: sql, arguments: Self.arguments(arguments)) }
        }

        func fetch(_ sql: String, _ arguments: [any SQLBindable]) async throws -> [SQLRow] {
            try queue.inDatabase { db in
                try Row.fetchAll(db, sql: sql, arguments: Self.arguments(arguments)).map { row in
                    var values: [String: SQLValue] = [:]
                    for (column, value) in row {
                        switch value.storage {
                        case .null: values[column] = .null
                        case .int64(let v): values[column] = .int(v)
                        case .double(let v): values[column] = .double(v)
                        case .string(let v): values[column] = .text(v)
                        case .blob(let v): values[column] = .blob(v)
                        }
                    }
                    return SQLRow(values: values)
                }
            }
        }

        static func arguments(_ values: [any SQLBindable]) -> StatementArguments {
            StatementArguments(values.map { value -> (any DatabaseValueConvertible)? in
                switch value.sqlValue {
                case .null: nil
                case .int(let v): v
                case .double(let v): v
                case .text(let v): v
                case .blob(let v): v
                case .bool(let v): v
                }
            })
        }
    }
}
