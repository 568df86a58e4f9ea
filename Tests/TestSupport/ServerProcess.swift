import Foundation
import PlateWatchCore

/// A server a test starts on 127.0.0.1 (RTSP, webhook receiver, nats-server) and kills when done.
public final class ServerProcess: @unchecked Sendable {
    public let process = Process()
    /// The first line it printed that starts with the ready prefix (`ready 8554`), when one was awaited.
    public private(set) var readyLine = ""

    /// - Parameter ready: a prefix of the stdout line that says the server listens; nil to wait for nothing.
    public init(_ executable: String, _ arguments: [String], ready: String?, timeout: Double = 15,
                environment: [String: String] = [:], hint: String = "make test installs the servers the tests start") throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        let out = Pipe()
        process.standardOutput = ready == nil ? FileHandle.nullDevice : out
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch {
            throw PlateWatchError(.internalFailure, subject: executable, message: "cannot start: \(error)", hint: hint)
        }
        guard let ready else { return }
        final class Lines: @unchecked Sendable { var text = "" }
        let lines = Lines()
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            while !lines.text.split(separator: "\n").contains(where: { $0.hasPrefix(ready) }) {
                let data = out.fileHandleForReading.availableData
                if data.isEmpty { break }
                lines.text += String(decoding: data, as: UTF8.self)
            }
            done.signal()
        }
        // The semaphore orders the reader's writes before this read.
        guard done.wait(timeout: .now() + timeout) == .success,
              let line = lines.text.split(separator: "\n").first(where: { $0.hasPrefix(ready) }) else {
            kill()
            throw PlateWatchError(.internalFailure, subject: executable, message: "did not become ready in \(timeout) s", hint: hint)
        }
        readyLine = String(line)
    }

    /// The port in a `ready PORT` line.
    public var readyPort: Int { readyLine.split(separator: " ").lazy.compactMap { Int($0) }.first ?? 0 }

    public func kill() {
        guard process.isRunning else { return }
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    deinit { kill() }

    /// A TCP port nothing listens on right now (the kernel's pick).
    public static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Whether something accepts TCP connections on 127.0.0.1:`port` now.
    public static func accepts(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }

    /// Polls `condition` every 50 ms for at most `seconds`.
    public static func eventually(_ seconds: Double, _ condition: () -> Bool) -> Bool {
        let until = Date().addingTimeInterval(seconds)
        while Date() < until {
            if condition() { return true }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return condition()
    }
}
