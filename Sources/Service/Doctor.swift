import Delivery
import Foundation
import Ingest
import NIOCore
import NIOPosix
import OCR
import PlateWatchCore

/// `platewatch doctor`: everything a box needs, checked before it is left alone at a barrier.
public enum Doctor {
    public struct Check: Sendable {
        public var name: String
        public var passed: Bool
        public var detail: String
    }

    public static func run(config: Config, cameraTimeout: Double = 5) -> [Check] {
        var checks: [Check] = []
        func check(_ name: String, _ body: () throws -> String) {
            do { checks.append(Check(name: name, passed: true, detail: try body())) } catch {
                checks.append(Check(name: name, passed: false, detail: "\(error)"))
            }
        }
        check("FFmpeg libraries") {
            let missing = FFmpegLibraries.missingCodecs
            guard missing.isEmpty else {
                throw PlateWatchError(.decoder, subject: "libavcodec", message: "missing " + missing.joined(separator: ", "),
                                      hint: "install Debian's libavcodec (full build)")
            }
            return FFmpegLibraries.versions
        }
        check("Tesseract") { "libtesseract \(TesseractEngine.version)" }
        for model in [config.ocr.model] + [config.ocr.fallbackModel, config.ocr.voteModel].compactMap({ $0 }) {
            check("OCR model \(model)") {
                let resolved = try OCRModel.resolve(model, tessdata: config.ocr.tessdata)
                _ = try TesseractEngine(model: resolved, tessdata: config.ocr.tessdata)
                return resolved == model ? "loads (tessdata)" : "loads from \(resolved)"
            }
        }
        if config.ocr.regions.contains(.china) {
            check("OCR model chi_sim (Chinese provinces)") {
                _ = try TesseractEngine(model: "chi_sim", tessdata: config.ocr.tessdata)
                return "loads"
            }
        }
        for camera in config.cameras {
            check("camera \(camera.id)") {
                let reader = try MediaReader(url: camera.url, camera: camera.id, rtspTransport: camera.rtspTransport ?? config.ingest.rtspTransport,
                                             openTimeout: cameraTimeout, readTimeout: cameraTimeout)
                guard let frame = try reader.next() else {
                    throw PlateWatchError(.sourceStalled, subject: camera.id, message: "opened, but no picture came")
                }
                let fps = reader.frameRate.map { String(format: "%.1f fps", $0) } ?? "fps unknown"
                return "\(frame.luma.width)×\(frame.luma.height), \(fps), \(camera.url.contains("://") ? "live" : "file")"
            }
        }
        check("store disk space") {
            let folder = URL(fileURLWithPath: config.store).deletingLastPathComponent().path
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let free = (try FileManager.default.attributesOfFileSystem(forPath: folder)[.systemFreeSize] as? Int) ?? 0
            guard free >= 500_000_000 else {
                throw PlateWatchError(.store, subject: folder, message: "\(free / 1_000_000) MB free", hint: "keep at least 500 MB free for the outbox")
            }
            return "\(free / 1_000_000_000) GB free in \(folder)"
        }
        check("clock") {
            let now = Date()
            guard Calendar(identifier: .gregorian).component(.year, from: now) >= 2025 else {
                throw PlateWatchError(.internalFailure, subject: "clock", message: "the system clock says \(RFC3339.string(from: now))",
                                      hint: "set the time (NTP or the RTC); event times come from it")
            }
            if FileManager.default.fileExists(atPath: config.store), let newest = try Outbox(path: config.store).events(after: 0).last?.createdAt,
               newest.timeIntervalSince(now) > 60 {
                throw PlateWatchError(.internalFailure, subject: "clock", message: "the store holds events from \(RFC3339.string(from: newest)), after now",
                                      hint: "the clock went back; fix it before running")
            }
            return RFC3339.string(from: now)
        }
        for sink in config.sinks {
            switch sink {
            case .jsonl(let path):
                check("sink jsonl \(path)") { _ = try JSONLSink(path: path); return "writable" }
            case .stdout:
                break
            case .webhook(let webhook):
                check("sink webhook \(webhook.url)") {
                    _ = try WebhookSink.secret(webhook, environment: ProcessInfo.processInfo.environment)
                    try reachable(webhook.url, timeout: 3)
                    return "secret present, \(URL(string: webhook.url)?.host ?? "?") reachable"
                }
            case .nats(let nats):
                check("sink nats \(nats.servers.joined(separator: ","))") {
                    try NATSSink(config: nats, site: config.site).checkConnection()
                    return "connected"
                }
            }
        }
        return checks
    }

    /// TCP connect to the URL's host and port (through SwiftNIO, like every socket of the product).
    static func reachable(_ url: String, timeout: Double) throws {
        guard let parsed = URL(string: url), let host = parsed.host else {
            throw PlateWatchError(.config, subject: url, message: "not a URL")
        }
        let port = parsed.port ?? (parsed.scheme == "https" ? 443 : 80)
        do {
            let channel = try ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.milliseconds(Int64(timeout * 1000)))
                .connect(host: host, port: port).wait()
            try? channel.close().wait()
        } catch {
            throw PlateWatchError(.sink, subject: url, message: "cannot connect to \(host):\(port): \(error)",
                                  hint: "is the platform up and the route open?")
        }
    }

    /// The pass/fail table `doctor` prints.
    public static func table(_ checks: [Check]) -> String {
        let width = min(64, checks.map(\.name.count).max() ?? 10)
        return checks.map { c in
            "\(c.passed ? "PASS" : "FAIL")  \(c.name.padding(toLength: width, withPad: " ", startingAt: 0))  \(c.detail)"
        }.joined(separator: "\n")
    }
}
