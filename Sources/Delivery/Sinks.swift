import Foundation
import PlateWatchCore

/// Somewhere events go after the outbox has them. `deliver` returns only when the sink has the event
/// durably (as far as the sink can tell). A `SinkRejection` means the sink will never take this event (it
/// is dead-lettered and the sink moves on); any other error is retried with backoff, the event and every
/// later one waiting, so each sink gets events in order.
public protocol EventSink: Sendable {
    /// Stable across restarts: the sink's cursor in the outbox is kept under this name.
    var name: String { get }
    func deliver(_ event: Outbox.Item) async throws
    /// Releases connections; called once when the run ends.
    func shutdown() async
}

extension EventSink {
    public func shutdown() async {}
}

/// The sink refuses this event for good (a 4xx from a webhook): retrying cannot help.
public struct SinkRejection: Error, Sendable, CustomStringConvertible {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}

/// Appends one JSON object per line and flushes it to disk before returning.
public final class JSONLSink: EventSink, @unchecked Sendable {
    public let path: String
    public var name: String { Self.name(path: path) }
    public static func name(path: String) -> String { "jsonl:\(path)" }
    // Only touched by this sink's delivery task, one call at a time.
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

    public func deliver(_ event: Outbox.Item) async throws {
        try append(event.json)
    }

    public func append(_ jsonLine: String) throws {
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
    public func deliver(_ event: Outbox.Item) async throws {
        FileHandle.standardOutput.write(Data((event.json + "\n").utf8))
    }
}
