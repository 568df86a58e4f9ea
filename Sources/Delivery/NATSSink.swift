import CNATS
import Foundation
import PlateWatchCore

// The only file that touches cnats types. The connection, its options and the JetStream context are owned
// by `NATSConnection`, which frees them; every call's status becomes a `PlateWatchError` with cnats' text.

/// One connection to a NATS cluster with a JetStream context.
final class NATSConnection: @unchecked Sendable {
    private var options: OpaquePointer?
    private var connection: OpaquePointer?
    private var context: OpaquePointer?
    private let subject: String

    init(servers: [String], credsFile: String?, subject: String) throws {
        self.subject = subject
        try Self.check(natsOptions_Create(&options), "natsOptions_Create", subject)
        do {
            var pointers = servers.map { strdup($0) }
            defer { pointers.forEach { free($0) } }
            try pointers.withUnsafeMutableBufferPointer { buffer in
                try buffer.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: buffer.count) {
                    try Self.check(natsOptions_SetServers(options, $0, Int32(servers.count)), "natsOptions_SetServers", subject)
                }
            }
            if let credsFile {
                try Self.check(natsOptions_SetUserCredentialsFromFiles(options, credsFile, nil), "natsOptions_SetUserCredentialsFromFiles", subject)
            }
            try Self.check(natsOptions_SetTimeout(options, 5000), "natsOptions_SetTimeout", subject)
            // Reconnect for ever, to whichever server of the cluster answers: the outbox waits meanwhile.
            try Self.check(natsOptions_SetMaxReconnect(options, -1), "natsOptions_SetMaxReconnect", subject)
            try Self.check(natsOptions_SetReconnectWait(options, 500), "natsOptions_SetReconnectWait", subject)
            try Self.check(natsConnection_Connect(&connection, options), "natsConnection_Connect", subject)
            try Self.check(natsConnection_JetStream(&context, connection, nil), "natsConnection_JetStream", subject)
        } catch {
            close()
            throw error
        }
    }

    /// Creates the stream (subjects `platewatch.>`, file storage, a day of duplicate detection) unless it exists.
    func ensureStream(_ name: String, subjects: String, replicas: Int) throws {
        var info: UnsafeMutablePointer<jsStreamInfo>?
        var code = jsErrCode(rawValue: 0)
        let found = js_GetStreamInfo(&info, context, name, nil, &code)
        if found == NATS_OK {
            jsStreamInfo_Destroy(info)
            return
        }
        guard found == NATS_NOT_FOUND else { try Self.check(found, "js_GetStreamInfo", self.subject, code: code) ; return }
        var config = jsStreamConfig()
        try Self.check(jsStreamConfig_Init(&config), "jsStreamConfig_Init", self.subject)
        try name.withCString { cName in
            try subjects.withCString { cSubject in
                var list: [UnsafePointer<CChar>?] = [cSubject]
                try list.withUnsafeMutableBufferPointer { buffer in
                    config.Name = cName
                    config.Subjects = buffer.baseAddress
                    config.SubjectsLen = 1
                    config.Storage = js_FileStorage
                    config.Replicas = Int64(replicas)
                    // Redeliveries after a crash or a long outage come within a day; the server drops them by id.
                    config.Duplicates = 24 * 3600 * 1_000_000_000
                    var created: UnsafeMutablePointer<jsStreamInfo>?
                    try Self.check(js_AddStream(&created, context, &config, nil, &code), "js_AddStream", self.subject, code: code)
                    jsStreamInfo_Destroy(created)
                }
            }
        }
    }

    /// Messages in the stream now (for checks; PlateWatch itself never reads the stream).
    func messageCount(stream name: String) throws -> UInt64 {
        var info: UnsafeMutablePointer<jsStreamInfo>?
        var code = jsErrCode(rawValue: 0)
        try Self.check(js_GetStreamInfo(&info, context, name, nil, &code), "js_GetStreamInfo", subject, code: code)
        defer { jsStreamInfo_Destroy(info) }
        return info?.pointee.State.Msgs ?? 0
    }

    /// Publishes and waits for the stream's acknowledgement; returns whether the server saw the id before.
    func publish(subject: String, data: Data, messageId: String, wait milliseconds: Int64) throws -> Bool {
        var options = jsPubOptions()
        try Self.check(jsPubOptions_Init(&options), "jsPubOptions_Init", self.subject)
        options.MaxWait = milliseconds
        var ack: UnsafeMutablePointer<jsPubAck>?
        var code = jsErrCode(rawValue: 0)
        let status = messageId.withCString { id in
            options.MsgId = id
            return data.withUnsafeBytes { bytes in
                js_Publish(&ack, context, subject, bytes.baseAddress, Int32(bytes.count), &options, &code)
            }
        }
        defer { jsPubAck_Destroy(ack) }
        try Self.check(status, "js_Publish", self.subject, code: code)
        return ack?.pointee.Duplicate ?? false
    }

    /// A durable pull consumer on the stream: what the consumer has acknowledged survives its restarts.
    func pullSubscribe(stream: String, subject: String, durable: String) throws -> NATSPullSubscription {
        var options = jsSubOptions()
        try Self.check(jsSubOptions_Init(&options), "jsSubOptions_Init", self.subject)
        var subscription: OpaquePointer?
        var code = jsErrCode(rawValue: 0)
        let status = stream.withCString { cStream in
            options.Stream = cStream
            return js_PullSubscribe(&subscription, context, subject, durable, nil, &options, &code)
        }
        try Self.check(status, "js_PullSubscribe", self.subject, code: code)
        return NATSPullSubscription(subscription, owner: self)
    }

    func close() {
        jsCtx_Destroy(context)
        context = nil
        natsConnection_Destroy(connection)
        connection = nil
        natsOptions_Destroy(options)
        options = nil
    }

    deinit { close() }

    static func close(_ connection: NATSConnection) { connection.close() }

    static func check(_ status: natsStatus, _ call: String, _ subject: String, code: jsErrCode = jsErrCode(rawValue: 0)) throws {
        guard status != NATS_OK else { return }
        let text = String(cString: natsStatus_GetText(status))
        let detail = code.rawValue != 0 ? " (JetStream error \(code.rawValue))" : ""
        throw PlateWatchError(.sink, subject: subject, message: "\(call) failed: \(text)\(detail)",
                              hint: "check that the NATS servers are up, JetStream is enabled (-js) and the credentials are right")
    }
}

/// A pull subscription; owns the cnats subscription and keeps its connection alive.
final class NATSPullSubscription: @unchecked Sendable {
    private var subscription: OpaquePointer?
    private let owner: NATSConnection

    init(_ subscription: OpaquePointer?, owner: NATSConnection) {
        self.subscription = subscription
        self.owner = owner
    }

    /// Up to `batch` messages, waiting at most `milliseconds` for the first; their bodies, acknowledged only
    /// when `acknowledge` is called on the batch.
    func fetch(batch: Int, milliseconds: Int64) throws -> NATSBatch {
        var list = natsMsgList()
        var code = jsErrCode(rawValue: 0)
        let status = natsSubscription_Fetch(&list, subscription, Int32(batch), milliseconds, &code)
        if status == NATS_TIMEOUT { return NATSBatch(list: list) }
        try NATSConnection.check(status, "natsSubscription_Fetch", "nats", code: code)
        return NATSBatch(list: list)
    }

    deinit { natsSubscription_Destroy(subscription) }
}

/// Fetched messages; frees them (acknowledged or not: an unacknowledged one is delivered again later).
public final class NATSBatch: @unchecked Sendable {
    private var list: natsMsgList
    public let bodies: [String]

    init(list: natsMsgList) {
        self.list = list
        bodies = (0..<Int(list.Count)).map { i in
            let message = list.Msgs[i]
            let length = Int(natsMsg_GetDataLength(message))
            guard length > 0, let data = natsMsg_GetData(message) else { return "" }
            return data.withMemoryRebound(to: UInt8.self, capacity: length) { String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self) }
        }
    }

    public func acknowledge() throws {
        for i in 0..<Int(list.Count) {
            try NATSConnection.check(natsMsg_Ack(list.Msgs[i], nil), "natsMsg_Ack", "nats")
        }
    }

    deinit { natsMsgList_Destroy(&list) }
}

/// Reads the events of every box from the JetStream stream the boxes' NATS sinks publish to, through a
/// durable consumer: for a central desk. cnats calls block, so they run on a queue of their own.
public final class NATSEventSource: @unchecked Sendable {
    private let config: NATSSinkConfig
    private let durable: String
    private let queue = DispatchQueue(label: "platewatch.nats.source")
    private var connection: NATSConnection?
    private var subscription: NATSPullSubscription?

    public init(config: NATSSinkConfig, durable: String = "platewatch-desk") {
        self.config = config
        self.durable = durable
    }

    /// The next events (JSON bodies), waiting up to `timeout` seconds; acknowledge the batch once stored.
    public func fetch(batch: Int = 100, timeout: Double = 1) async throws -> NATSBatch {
        try await withCheckedThrowingContinuation { done in
            queue.async { [self] in
                do {
                    done.resume(returning: try subscribed().fetch(batch: batch, milliseconds: Int64(timeout * 1000)))
                } catch {
                    // Start again with a fresh connection next time.
                    subscription = nil
                    connection?.close()
                    connection = nil
                    done.resume(throwing: error)
                }
            }
        }
    }

    private func subscribed() throws -> NATSPullSubscription {
        if let subscription { return subscription }
        let made = try NATSConnection(servers: config.servers, credsFile: config.credsFile, subject: "desk:\(config.stream)")
        try made.ensureStream(config.stream, subjects: "platewatch.>", replicas: config.replicas)
        let pull = try made.pullSubscribe(stream: config.stream, subject: "platewatch.>", durable: durable)
        connection = made
        subscription = pull
        return pull
    }

    public func close() {
        queue.sync {
            subscription = nil
            connection?.close()
            connection = nil
        }
    }
}

/// Publishes each event to JetStream as `platewatch.<site>.<camera>` with `Nats-Msg-Id` = event id, and
/// returns only once the stream has acknowledged it: a repeat after a crash is dropped by the server.
public final class NATSSink: EventSink, @unchecked Sendable {
    public let stream: String
    public var name: String { Self.name(stream: stream) }
    public static func name(stream: String) -> String { "nats:\(stream)" }
    private let site: String
    private let config: NATSSinkConfig
    /// cnats calls block: they run on this queue, one at a time, never on the cooperative pool.
    private let queue = DispatchQueue(label: "platewatch.nats")
    private var connection: NATSConnection?

    public init(config: NATSSinkConfig, site: String) throws {
        self.config = config
        self.site = Self.token(site)
        stream = config.stream
    }

    /// A subject token may not hold '.', '*', '>' or white space.
    static func token(_ text: String) -> String {
        String(text.map { ".*> \t".contains($0) ? "_" : $0 })
    }

    public func deliver(_ event: Outbox.Item) async throws {
        let subject = "platewatch.\(site).\(Self.token(event.camera.isEmpty ? "site" : event.camera))"
        try await withCheckedThrowingContinuation { (done: CheckedContinuation<Void, Error>) in
            queue.async { [self] in
                do {
                    let nats = try connected()
                    _ = try nats.publish(subject: subject, data: Data(event.json.utf8), messageId: event.id, wait: 5000)
                    done.resume()
                } catch {
                    done.resume(throwing: error)
                }
            }
        }
    }

    /// The connection, made (and the stream created if missing) on first use and after a failure.
    private func connected() throws -> NATSConnection {
        if let connection { return connection }
        let made = try NATSConnection(servers: config.servers, credsFile: config.credsFile, subject: name)
        try made.ensureStream(stream, subjects: "platewatch.>", replicas: config.replicas)
        connection = made
        return made
    }

    /// Connects to the cluster and disconnects: whether the servers answer (`doctor`).
    public func checkConnection() throws {
        NATSConnection.close(try NATSConnection(servers: config.servers, credsFile: config.credsFile, subject: name))
    }

    /// Messages in the sink's stream, read through a connection of its own (tests, `doctor`).
    public func messageCount() throws -> UInt64 {
        let nats = try NATSConnection(servers: config.servers, credsFile: config.credsFile, subject: name)
        defer { nats.close() }
        return try nats.messageCount(stream: stream)
    }

    public func shutdown() async {
        queue.sync {
            connection?.close()
            connection = nil
        }
    }
}
