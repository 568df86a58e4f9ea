import Foundation
import Logging
import NIOCore
import PlateWatchCore
import PostgresNIO

/// PostgreSQL through postgres-nio, for a central desk over many boxes: the same store, on one connection
/// that is opened again when it breaks. URL: `postgres://user[:password]@host[:port]/database`; without a
/// password in it, `PGPASSWORD` is used.
public final class PostgresBackend: SQLBackend {
    public let location: String
    public var dialect: SQLDialect { .postgres }
    private let configuration: PostgresConnection.Configuration
    private let logger: Logger
    private let gate = AsyncGate()
    private let connection = Locked<PostgresConnection?>(nil)

    public init(url: String, logger: Logger, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        guard let parts = URLComponents(string: url), ["postgres", "postgresql"].contains(parts.scheme ?? ""),
              let host = parts.host, let user = parts.user, parts.path.count > 1 else {
            throw PlateWatchError(.config, subject: "desk.store", message: "expected postgres://user[:password]@host[:port]/database")
        }
        location = "postgres://\(user)@\(host):\(parts.port ?? 5432)\(parts.path)"
        configuration = PostgresConnection.Configuration(host: host, port: parts.port ?? 5432, username: user,
                                                         password: parts.password ?? environment["PGPASSWORD"],
                                                         database: String(parts.path.dropFirst()), tls: .disable)
        self.logger = logger
    }

    public func transaction<T: Sendable>(_ body: @Sendable (any SQLSession) async throws -> T) async throws -> T {
        try await gate.run {
            let session = Session(connection: try await open(), logger: logger)
            try await session.execute("BEGIN", [])
            do {
                let result = try await body(session)
                try await session.execute("COMMIT", [])
                return result
            } catch {
                do { try await session.execute("ROLLBACK", []) } catch { drop() }
                throw error
            }
        }
    }

    public func close() async {
        if let open = connection.withValue({ current in defer { current = nil }; return current }) { try? await open.close() }
    }

    private func open() async throws -> PostgresConnection {
        if let open = connection.value, !open.isClosed { return open }
        do {
            let fresh = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
            connection.value = fresh
            return fresh
        } catch {
            throw PlateWatchError(.store, subject: location, message: "cannot reach the desk's PostgreSQL: \(String(reflecting: error))",
                                  hint: "check the server is up, the address in desk.store, the user and its password")
        }
    }

    private func drop() { connection.value = nil }

    struct Session: SQLSession {
        let connection: PostgresConnection
        let logger: Logger

        func execute(_ sql: String, _ arguments: [any SQLBindable]) async throws {
            _ = try await fetch(sql, arguments)
        }

        func fetch(_ sql: String, _ arguments: [any SQLBindable]) async throws -> [SQLRow] {
            let rows = try await connection.query(Self.query(sql, arguments), logger: logger).collect()
            return try rows.map { row in
                var values: [String: SQLValue] = [:]
                for cell in row { values[cell.columnName] = try Self.value(cell) }
                return SQLRow(values: values)
            }
        }

        /// `?` → `$1`, `$2`, … with the arguments bound in order.
        static func query(_ sql: String, _ arguments: [any SQLBindable]) -> PostgresQuery {
            var numbered = "", n = 0
            for character in sql {
                if character == "?" {
                    n += 1
                    numbered += "$\(n)"
                } else {
                    numbered.append(character)
                }
            }
            var binds = PostgresBindings()
            for argument in arguments {
                switch argument.sqlValue {
                case .null: binds.appendNull()
                case .int(let v): binds.append(v)
                case .double(let v): binds.append(v)
                case .text(let v): binds.append(v)
                case .bool(let v): binds.append(v)
                case .blob(let v): binds.append(ByteBuffer(bytes: v))
                }
            }
            return PostgresQuery(unsafeSQL: numbered, binds: binds)
        }

        static func value(_ cell: PostgresCell) throws -> SQLValue {
            guard cell.bytes != nil else { return .null }
            switch cell.dataType {
            case .int2, .int4, .int8: return .int(try cell.decode(Int64.self))
            case .float4, .float8: return .double(try cell.decode(Double.self))
            case .bool: return .bool(try cell.decode(Bool.self))
            case .bytea: return .blob(Data(try cell.decode(ByteBuffer.self).readableBytesView))
            default: return .text(try cell.decode(String.self))
            }
        }
    }
}
