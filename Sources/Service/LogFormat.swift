import Foundation
import Logging
import PlateWatchCore

/// Log lines on standard error, as text for a person or one JSON object per line for a log shipper, with
/// a level per module (`source`: `Ingest`, `Delivery`, …) over the default one.
public struct PlateWatchLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    /// The lowest level any module logs at: swift-log checks it before calling `log`.
    public var logLevel: Logger.Level
    private let label: String
    private let json: Bool
    private let level: Logger.Level
    private let levels: [String: Logger.Level]
    private static let lock = NSLock()

    public init(label: String, settings: LoggingSettings, verbose: Bool = false) {
        self.label = label
        json = settings.format == .json
        level = verbose ? .debug : Logger.Level(rawValue: settings.level) ?? .notice
        levels = settings.levels.compactMapValues { Logger.Level(rawValue: $0) }
        logLevel = ([level] + levels.values).min() ?? level
    }

    /// Bootstraps swift-log with this handler; once per process.
    public static func bootstrap(_ settings: LoggingSettings, verbose: Bool = false) {
        LoggingSystem.bootstrap { PlateWatchLogHandler(label: $0, settings: settings, verbose: verbose) }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let (level, message, extra, source) = (event.level, event.message, event.metadata, event.source)
        guard level >= levels[source] ?? self.level else { return }
        let all = metadata.merging(extra ?? [:]) { $1 }
        let time = RFC3339.string(from: Date())
        let text: String
        if json {
            var object: [String: String] = ["time": time, "level": level.rawValue, "label": label, "module": source, "message": "\(message)"]
            for (key, value) in all where object[key] == nil { object[key] = "\(value)" }
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
            text = String(decoding: data, as: UTF8.self)
        } else {
            let pairs = all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            text = "\(time) \(level.rawValue) \(label): \(pairs.isEmpty ? "" : pairs + " ")[\(source)] \(message)"
        }
        Self.lock.withLock { FileHandle.standardError.write(Data((text + "\n").utf8)) }
    }
}
