import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import PlateWatchCore

/// The signature the platform checks on every webhook POST.
///
/// `X-PlateWatch-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" under the sink's secret>`.
/// The platform recomputes the HMAC over the exact bytes received, compares in constant time, and refuses a
/// `t` older than its tolerance (5 minutes here), so a captured request cannot be replayed later; together
/// with `Idempotency-Key` (the event id) a retried POST is recognised as the same event.
public enum WebhookSignature {
    public static let header = "X-PlateWatch-Signature"

    public static func sign(body: Data, secret: Data, time: Date) -> String {
        let t = Int(time.timeIntervalSince1970)
        let mac = HMAC<SHA256>.authenticationCode(for: Data("\(t).".utf8) + body, using: SymmetricKey(data: secret))
        return "t=\(t),v1=" + mac.map { String(format: "%02x", $0) }.joined()
    }

    public enum Verdict: Equatable, Sendable {
        case valid
        case malformed
        case wrongSignature
        /// `t` is further than the tolerance from now: a replay (or a clock far off).
        case stale
    }

    public static func verify(header value: String, body: Data, secret: Data, now: Date = Date(), tolerance: TimeInterval = 300) -> Verdict {
        var t: Int?, v1: [UInt8]?
        for part in value.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1).map(String.init)
            guard pair.count == 2 else { return .malformed }
            if pair[0] == "t" { t = Int(pair[1]) }
            if pair[0] == "v1" { v1 = hexBytes(pair[1]) }
        }
        guard let t, let v1, v1.count == 32 else { return .malformed }
        guard HMAC<SHA256>.isValidAuthenticationCode(v1, authenticating: Data("\(t).".utf8) + body, using: SymmetricKey(data: secret)) else {
            return .wrongSignature
        }
        return abs(now.timeIntervalSince1970 - Double(t)) <= tolerance ? .valid : .stale
    }

    private static func hexBytes(_ hex: String) -> [UInt8]? {
        let chars = Array(hex.utf8)
        guard chars.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(chars.count / 2)
        var i = 0
        while i < chars.count {
            guard let byte = UInt8(String(decoding: chars[i..<i + 2], as: UTF8.self), radix: 16) else { return nil }
            out.append(byte)
            i += 2
        }
        return out
    }
}

/// POSTs each event to the border-gate platform, signed, one at a time in outbox order.
///
/// 2xx: taken. 408, 429 and 5xx, or no answer: retried by the publisher with backoff (the event and those
/// after it wait, so order per camera holds). Any other 4xx: the platform will never take this event; it is
/// dead-lettered (visible in `platewatch outbox status`) and the next one goes.
public final class WebhookSink: EventSink, @unchecked Sendable {
    public let url: String
    public var name: String { Self.name(url: url) }
    public static func name(url: String) -> String { "webhook:\(url)" }
    private let secret: Data
    private let timeout: TimeAmount
    private let client: HTTPClient

    public init(config: WebhookSinkConfig, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        url = config.url
        secret = try Self.secret(config, environment: environment)
        timeout = .milliseconds(Int64(config.timeout * 1000))
        var configuration = HTTPClient.Configuration()
        if let caFile = config.caFile {
            guard FileManager.default.isReadableFile(atPath: caFile) else {
                throw PlateWatchError(.config, subject: caFile, message: "the webhook's CA file cannot be read",
                                      hint: "give a PEM file of the CA that signs the platform's certificate")
            }
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.trustRoots = .file(caFile)
            configuration.tlsConfiguration = tls
        }
        configuration.timeout = HTTPClient.Configuration.Timeout(connect: .seconds(5), read: timeout)
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// The signing secret, from its file or environment variable; never logged.
    public static func secret(_ config: WebhookSinkConfig, environment: [String: String]) throws -> Data {
        var text: String?
        if let file = config.secretFile {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw PlateWatchError(.config, subject: file, message: "the webhook secret file cannot be read",
                                      hint: "create it readable by the platewatch user only (chmod 600)")
            }
            text = String(decoding: data, as: UTF8.self)
        } else if let variable = config.secretEnv {
            guard let value = environment[variable] else {
                throw PlateWatchError(.config, subject: variable, message: "the environment variable holding the webhook secret is not set",
                                      hint: "set it in the service's environment (systemd EnvironmentFile)")
            }
            text = value
        }
        let secret = (text ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard secret.count >= 16 else {
            throw PlateWatchError(.config, subject: config.url, message: "the webhook secret is missing or shorter than 16 characters",
                                  hint: "use a long random secret, shared with the platform team")
        }
        return Data(secret.utf8)
    }

    public func deliver(_ event: Outbox.Item) async throws {
        let body = Data(event.json.utf8)
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Idempotency-Key", value: event.id)
        request.headers.add(name: WebhookSignature.header, value: WebhookSignature.sign(body: body, secret: secret, time: Date()))
        request.body = .bytes(ByteBuffer(bytes: body))
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: timeout)
        } catch {
            throw PlateWatchError(.sink, subject: name, message: "no answer: \(error)", hint: "the event waits; it is sent again")
        }
        let answer = String(buffer: try await response.body.collect(upTo: 64 * 1024))
        switch response.status.code {
        case 200..<300:
            return
        case 408, 429, 500..<600:
            throw PlateWatchError(.sink, subject: name, message: "answered \(response.status.code)", hint: "the event waits; it is sent again")
        default:
            throw SinkRejection("HTTP \(response.status.code): \(answer.prefix(200))")
        }
    }

    public func shutdown() async {
        try? await client.shutdown()
    }
}
