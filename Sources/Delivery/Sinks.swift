import Foundation
import PlateWatchCore

/// Somewhere events go after the outbox has them. `deliver` returns only when the sink has the line
/// durably (as far as the sink can tell); a throw leaves the event pending for the next attempt.
public protocol EventSink: Sendable {
    var name: String { get }
    func deliver(_ jsonLine: String) throws
}

/// Appends one JSON object per line and flushes it to disk before returning.
public final class JSONLSink: EventSink, @unchecked Sendable {
    public let path: String
    public var name: String { "jsonl:\(path)" }
    // Only touched from the publisher actor, one call at a time.
    private let handle: FileHandle

    public init(path: String) throws {
        self.path = path
        let url = URL(fileURLWithPath: path)
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            if !FileManager.default.fileExists(atPath: path) {
                guard FileManager.default.createFile(atPath: path, contents: nil) else { throw CocoaError(.fileWriteNoPermission) }
            }
            handle = try FileHandle(forWritingTo: url)
            try handle.seekToEnd()
        } catch {
            throw PlateWatchError(.sink, subject: path, message: "cannot open the events file for appending: \(error.localizedDescription)",
                                  hint: "check that the folder exists and is writable")
        }
    }

    public func deliver(_ jsonLine: String) throws {
        do {
            try handle.write(contentsOf: Data((jsonLine + "\n").utf8))
            try handle.synchronize()
        } catch {
            throw PlateWatchError(.sink, subject: path, message: "appending an event failed: \(error.localizedDescription)",
                                  hint: "check free disk space")
        }
    }

    deinit { try? handle.close() }
}

/// Prints each event as one line on standard output (what `make demo` shows).
public struct StdoutSink: EventSink {
    public var name: String { "stdout" }
    public init() {}
    public func deliver(_ jsonLine: String) throws {
        FileHandle.standardOutput.write(Data((jsonLine + "\n").utf8))
    }
}
