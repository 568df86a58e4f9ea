import Foundation
import PlateWatchCore

/// A PostgreSQL server a test starts on 127.0.0.1 in a fresh cluster (Debian's `postgresql`, installed by
/// `make test`), with trust authentication for loopback, removed when the test is done. PostgreSQL will not
/// run as root, so under root the cluster belongs to the `postgres` user: `setpriv` switches user and execs,
/// so the process the test kills is the server itself.
public final class PostgresServer: @unchecked Sendable {
    public let port: Int
    let bin: String
    let folder: URL
    let server: ServerProcess
    let asUser: [String]

    public var url: String { "postgres://postgres@127.0.0.1:\(port)/postgres" }

    public init() throws {
        guard let version = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql"))?.sorted().last else {
            throw PlateWatchError(.fileNotFound, subject: "/usr/lib/postgresql", message: "PostgreSQL is not installed",
                                  hint: "make test installs Debian's postgresql")
        }
        bin = "/usr/lib/postgresql/\(version)/bin"
        folder = URL(fileURLWithPath: "/tmp").appendingPathComponent("pg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        asUser = getuid() == 0 ? ["/usr/bin/setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--"] : []
        if getuid() == 0 { try Self.run(["/bin/chown", "postgres", folder.path]) }
        let data = folder.appendingPathComponent("data").path
        try Self.run(asUser + ["\(bin)/initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"])
        port = ServerProcess.freePort()
        // Logs to stderr; `ready` is read from pg_isready, not from the server's output.
        server = try ServerProcess(asUser.first ?? "\(bin)/postgres",
                                   Array(asUser.dropFirst()) + ["\(bin)/postgres", "-D", data, "-p", "\(port)", "-h", "127.0.0.1",
                                                                "-k", folder.path, "-c", "fsync=off"], ready: nil)
        guard ServerProcess.eventually(30, { (try? Self.run(["\(bin)/pg_isready", "-h", "127.0.0.1", "-p", "\(port)", "-q"])) != nil }) else {
            server.kill()
            throw PlateWatchError(.internalFailure, subject: "postgres", message: "did not accept connections within 30 s")
        }
    }

    /// A new empty database; its URL.
    public func createDatabase() throws -> String {
        let name = "desk_\(UUID().uuidString.prefix(8).lowercased())"
        try Self.run(asUser + ["\(bin)/createdb", "-h", "127.0.0.1", "-p", "\(port)", "-U", "postgres", name])
        return "postgres://postgres@127.0.0.1:\(port)/\(name)"
    }

    public func kill() {
        server.kill()
        try? FileManager.default.removeItem(at: folder)
    }

    @discardableResult
    static func run(_ arguments: [String]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw PlateWatchError(.internalFailure, subject: arguments[0], message: "exited with \(process.terminationStatus)")
        }
        return 0
    }
}
