import Foundation
import Yams

/// Reads and validates a YAML config, naming the key and line of anything wrong and what was expected.
public enum ConfigLoader {
    public static func load(path: String) throws -> Config {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PlateWatchError(.fileNotFound, subject: path, message: "config file not found or unreadable",
                                  hint: "pass the path of a YAML file, e.g. config/demo.yaml")
        }
        return try parse(String(decoding: data, as: UTF8.self), source: path)
    }

    public static func parse(_ yaml: String, source: String = "config") throws -> Config {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            throw PlateWatchError(.config, subject: source, message: "not valid YAML: \(error)", hint: "fix the YAML syntax")
        }
        guard let root else {
            throw PlateWatchError(.config, subject: source, message: "the file is empty", hint: "a config needs at least `site:` and `cameras:`")
        }
        return try ConfigReader(source: source).config(root)
    }
}

/// Walks the YAML node tree by hand (not `Codable`) so every message can carry a line number.
struct ConfigReader {
    let source: String

    func fail(_ node: Node?, _ key: String, _ message: String) -> PlateWatchError {
        let line = node?.mark.map { " (line \($0.line))" } ?? ""
        return PlateWatchError(.config, subject: "\(source): \(key)\(line)", message: message)
    }

    /// The mapping's entries, rejecting keys outside `allowed` so a typo is never silently ignored.
    func mapping(_ node: Node, _ path: String, allowed: [String]) throws -> [String: Node] {
        guard case .mapping(let map) = node else {
            throw fail(node, path, "expected a mapping of keys (\(allowed.joined(separator: ", ")))")
        }
        var result: [String: Node] = [:]
        for (keyNode, value) in map {
            guard let key = keyNode.string else { throw fail(keyNode, path, "keys must be plain words") }
            let full = path.isEmpty ? key : "\(path).\(key)"
            guard allowed.contains(key) else {
                throw fail(keyNode, full, "unknown key; expected one of: \(allowed.joined(separator: ", "))")
            }
            guard result[key] == nil else { throw fail(keyNode, full, "key given twice") }
            result[key] = value
        }
        return result
    }

    func string(_ node: Node?, _ path: String) throws -> String? {
        guard let node else { return nil }
        guard case .scalar(let scalar) = node, !scalar.string.isEmpty else {
            throw fail(node, path, "expected a non-empty text value")
        }
        return scalar.string
    }

    func requiredString(_ map: [String: Node], _ key: String, _ path: String, parent: Node) throws -> String {
        guard let value = try string(map[key], path.isEmpty ? key : "\(path).\(key)") else {
            throw fail(parent, path.isEmpty ? key : "\(path).\(key)", "missing; this key is required")
        }
        return value
    }

    func bool(_ node: Node?, _ path: String) throws -> Bool? {
        guard let node else { return nil }
        guard let value = node.bool else { throw fail(node, path, "expected true or false, not \"\(node.string ?? "")\"") }
        return value
    }

    func number(_ node: Node?, _ path: String, range: ClosedRange<Double>) throws -> Double? {
        guard let node else { return nil }
        guard let value = node.float ?? node.int.map(Double.init), range.contains(value) else {
            throw fail(node, path, "expected a number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    func config(_ root: Node) throws -> Config {
        let map = try mapping(root, "", allowed: ["site", "store", "ocr", "tracking", "cameras", "sinks", "events", "ingest", "outbox",
                                                     "management", "logging", "shutdown_grace", "desk"])
        let site = try requiredString(map, "site", "", parent: root)
        // A central desk's config has no cameras of its own.
        let cameraNodes: [Node]
        if let camerasNode = map["cameras"] {
            guard case .sequence(let nodes) = camerasNode, !nodes.isEmpty || map["desk"] != nil else {
                throw fail(camerasNode, "cameras", "expected a list of at least one camera (id, url, group, role)")
            }
            cameraNodes = Array(nodes)
        } else if map["desk"] != nil {
            cameraNodes = []
        } else {
            throw fail(root, "cameras", "missing; list at least one camera")
        }
        var cameras: [CameraConfig] = []
        var lineOfId: [String: Int] = [:]
        for (index, node) in cameraNodes.enumerated() {
            let camera = try self.camera(node, "cameras[\(index)]")
            if let earlier = lineOfId[camera.id] {
                throw fail(node, "cameras[\(index)].id", "camera id \"\(camera.id)\" is already used on line \(earlier); ids must be unique")
            }
            lineOfId[camera.id] = node.mark?.line ?? 0
            cameras.append(camera)
        }
        var config = Config(site: site, cameras: cameras)
        if let store = try string(map["store"], "store") { config.store = store }
        if let node = map["ocr"] { config.ocr = try ocr(node) }
        if let node = map["tracking"] { config.tracking = try tracking(node) }
        if let node = map["events"] { config.events = try events(node) }
        if let node = map["ingest"] { config.ingest = try ingest(node) }
        if let node = map["outbox"] { config.delivery = try delivery(node) }
        if let node = map["management"] { config.management = try management(node) }
        if let node = map["logging"] { config.logging = try logging(node) }
        if let node = map["desk"] { config.desk = try desk(node) }
        if let v = try number(map["shutdown_grace"], "shutdown_grace", range: 1...600) { config.shutdownGrace = v }
        if let node = map["sinks"] {
            guard case .sequence(let sinkNodes) = node else { throw fail(node, "sinks", "expected a list of sinks") }
            config.sinks = try sinkNodes.enumerated().map { try sink($1, "sinks[\($0)]") }
        }
        return config
    }

    func camera(_ node: Node, _ path: String) throws -> CameraConfig {
        let map = try mapping(node, path, allowed: ["id", "url", "group", "role", "yard", "roi", "rtsp_transport", "close_up"])
        let id = try requiredString(map, "id", path, parent: node)
        let url = try requiredString(map, "url", path, parent: node)
        var camera = CameraConfig(id: id, url: url, group: try string(map["group"], "\(path).group"))
        if let role = try string(map["role"], "\(path).role") {
            guard let parsed = CameraRole(rawValue: role) else {
                let roles = CameraRole.allCases.map(\.rawValue).joined(separator: " | ")
                throw fail(map["role"], "\(path).role", "unknown role \"\(role)\"; expected \(roles)")
            }
            camera.role = parsed
        }
        if let roi = map["roi"] { camera.roi = try polygon(roi, "\(path).roi") }
        if let closeUp = try bool(map["close_up"], "\(path).close_up") { camera.closeUp = closeUp }
        if let transport = try string(map["rtsp_transport"], "\(path).rtsp_transport") {
            camera.rtspTransport = try self.transport(transport, map["rtsp_transport"], "\(path).rtsp_transport")
        }
        if let yard = try string(map["yard"], "\(path).yard") {
            guard camera.role == .yardIn || camera.role == .yardOut else {
                throw fail(map["yard"], "\(path).yard", "only a yard-in or yard-out camera counts for a yard; set role first")
            }
            camera.yard = yard
        }
        return camera
    }

    func polygon(_ node: Node, _ path: String) throws -> Polygon {
        let expected = "expected a list of at least 3 [x, y] points in frame pixels, e.g. [[0, 400], [1920, 400], [1920, 1080], [0, 1080]]"
        guard case .sequence(let items) = node, items.count >= 3 else { throw fail(node, path, expected) }
        return Polygon(points: try items.map { item in
            guard case .sequence(let pair) = item, pair.count == 2,
                  let x = pair[0].float ?? pair[0].int.map(Double.init), let y = pair[1].float ?? pair[1].int.map(Double.init)
            else { throw fail(item, path, expected) }
            return (x, y)
        })
    }

    func ocr(_ node: Node) throws -> OCRSettings {
        let map = try mapping(node, "ocr", allowed: ["model", "fallback_model", "vote_model", "tessdata", "regions", "workers", "cn_provinces"])
        var ocr = OCRSettings()
        if let regions = map["regions"] {
            guard case .sequence(let items) = regions, !items.isEmpty else {
                throw fail(regions, "ocr.regions", "expected a list such as [vn, cn]")
            }
            ocr.regions = try items.map { item in
                guard let name = item.string, let region = PlateRegion(rawValue: name) else {
                    throw fail(item, "ocr.regions", "unknown region; expected " + PlateRegion.allCases.map(\.rawValue).joined(separator: " | "))
                }
                return region
            }
        }
        if let model = try string(map["model"], "ocr.model") { ocr.model = model }
        ocr.setSecondModels(fallback: try string(map["fallback_model"], "ocr.fallback_model"),
                            vote: try string(map["vote_model"], "ocr.vote_model"))
        ocr.tessdata = try string(map["tessdata"], "ocr.tessdata")
        if let v = try number(map["workers"], "ocr.workers", range: 1...64) { ocr.workers = Int(v) }
        if let provinces = map["cn_provinces"] {
            guard case .sequence(let items) = provinces else { throw fail(provinces, "ocr.cn_provinces", "expected a list such as [桂, 云]") }
            ocr.cnProvinces = try items.map { item in
                guard let text = item.string, text.count == 1, let c = text.first, PlateText.chineseProvinces.contains(c) else {
                    throw fail(item, "ocr.cn_provinces", "expected a Chinese province character: \(String(PlateText.chineseProvinces.sorted()))")
                }
                return c
            }
        }
        return ocr
    }

    func tracking(_ node: Node) throws -> TrackingSettings {
        let map = try mapping(node, "tracking", allowed: ["min_votes", "track_timeout", "settle_votes", "repeat_window", "min_confidence", "merge_window"])
        var tracking = TrackingSettings()
        if let v = try number(map["min_votes"], "tracking.min_votes", range: 1...100) { tracking.minVotes = Int(v) }
        if let v = try number(map["track_timeout"], "tracking.track_timeout", range: 0.04...60) { tracking.trackTimeout = v }
        if let v = try number(map["settle_votes"], "tracking.settle_votes", range: 1...1000) { tracking.settleVotes = Int(v) }
        if let v = try number(map["repeat_window"], "tracking.repeat_window", range: 0...3600) { tracking.repeatWindow = v }
        if let v = try number(map["min_confidence"], "tracking.min_confidence", range: 0...1) { tracking.minConfidence = v }
        if let v = try number(map["merge_window"], "tracking.merge_window", range: 0...600) { tracking.mergeWindow = v }
        return tracking
    }

    func transport(_ value: String, _ node: Node?, _ path: String) throws -> String {
        guard value == "tcp" || value == "udp" else { throw fail(node, path, "expected tcp or udp") }
        return value
    }

    func ingest(_ node: Node) throws -> IngestSettings {
        let map = try mapping(node, "ingest", allowed: ["rtsp_transport", "open_timeout", "stall_timeout", "backoff_initial", "backoff_max", "queue_frames"])
        var ingest = IngestSettings()
        if let t = try string(map["rtsp_transport"], "ingest.rtsp_transport") { ingest.rtspTransport = try transport(t, map["rtsp_transport"], "ingest.rtsp_transport") }
        if let v = try number(map["open_timeout"], "ingest.open_timeout", range: 0.1...300) { ingest.openTimeout = v }
        if let v = try number(map["stall_timeout"], "ingest.stall_timeout", range: 0.1...300) { ingest.stallTimeout = v }
        if let v = try number(map["backoff_initial"], "ingest.backoff_initial", range: 0.01...60) { ingest.backoffInitial = v }
        if let v = try number(map["backoff_max"], "ingest.backoff_max", range: 0.01...3600) { ingest.backoffMax = v }
        if let v = try number(map["queue_frames"], "ingest.queue_frames", range: 1...1000) { ingest.queueFrames = Int(v) }
        guard ingest.backoffMax >= ingest.backoffInitial else {
            throw fail(map["backoff_max"], "ingest.backoff_max", "must be at least ingest.backoff_initial (\(ingest.backoffInitial) s)")
        }
        return ingest
    }

    func events(_ node: Node) throws -> EventSettings {
        let map = try mapping(node, "events", allowed: ["crop", "crop_dir"])
        var events = EventSettings()
        if let crop = try string(map["crop"], "events.crop") {
            guard let mode = EventSettings.CropMode(rawValue: crop) else {
                throw fail(map["crop"], "events.crop", "unknown crop mode \"\(crop)\"; expected " + EventSettings.CropMode.allCases.map(\.rawValue).joined(separator: " | "))
            }
            events.crop = mode
        }
        if let dir = try string(map["crop_dir"], "events.crop_dir") { events.cropDirectory = dir }
        return events
    }

    func management(_ node: Node) throws -> ManagementSettings {
        let map = try mapping(node, "management", allowed: ["listen", "unready_after", "sink_lag_max"])
        var m = ManagementSettings()
        if let listen = try string(map["listen"], "management.listen") {
            m.listen = listen == "off" ? nil : listen
            guard listen == "off" || m.hostAndPort != nil else {
                throw fail(map["listen"], "management.listen", "expected host:port (127.0.0.1:9108) or off")
            }
        }
        if let v = try number(map["unready_after"], "management.unready_after", range: 0...86_400) { m.unreadyAfter = v }
        if let v = try number(map["sink_lag_max"], "management.sink_lag_max", range: 1...604_800) { m.sinkLagMax = v }
        return m
    }

    func desk(_ node: Node) throws -> DeskSettings {
        var d = DeskSettings()
        // `desk: {}` or a bare `desk:` turns the desk on with its defaults.
        if case .scalar(let scalar) = node, scalar.string.isEmpty || scalar.string == "null" { return d }
        let map = try mapping(node, "desk", allowed: ["listen", "store", "secure_cookies", "session_hours", "max_failed_logins",
                                                      "lockout_minutes", "admin_password_env", "nats"])
        if let nats = map["nats"] { d.nats = try natsConfig(try mapping(nats, "desk.nats", allowed: ["servers", "stream", "creds_file", "replicas"]),
                                                            "desk.nats", nats) }
        if let listen = try string(map["listen"], "desk.listen") {
            d.listen = listen
            guard d.hostAndPort != nil else { throw fail(map["listen"], "desk.listen", "expected host:port, e.g. 127.0.0.1:8080") }
        }
        if let store = try string(map["store"], "desk.store") { d.store = store }
        if let node = map["secure_cookies"] {
            guard let value = node.bool else { throw fail(node, "desk.secure_cookies", "expected true or false") }
            d.secureCookies = value
        }
        if let v = try number(map["session_hours"], "desk.session_hours", range: 0.1...720) { d.sessionHours = v }
        if let v = try number(map["max_failed_logins"], "desk.max_failed_logins", range: 1...100) { d.maxFailedLogins = Int(v) }
        if let v = try number(map["lockout_minutes"], "desk.lockout_minutes", range: 1...1440) { d.lockoutMinutes = v }
        if let env = try string(map["admin_password_env"], "desk.admin_password_env") { d.adminPasswordEnv = env }
        return d
    }

    static let logLevels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]

    func logging(_ node: Node) throws -> LoggingSettings {
        let map = try mapping(node, "logging", allowed: ["format", "level", "levels"])
        var l = LoggingSettings()
        if let format = try string(map["format"], "logging.format") {
            guard let parsed = LoggingSettings.Format(rawValue: format) else { throw fail(map["format"], "logging.format", "expected text or json") }
            l.format = parsed
        }
        func level(_ node: Node?, _ path: String) throws -> String? {
            guard let value = try string(node, path) else { return nil }
            guard Self.logLevels.contains(value) else { throw fail(node, path, "expected one of " + Self.logLevels.joined(separator: ", ")) }
            return value
        }
        if let v = try level(map["level"], "logging.level") { l.level = v }
        if let levels = map["levels"] {
            guard case .mapping(let pairs) = levels else { throw fail(levels, "logging.levels", "expected module: level pairs, e.g. {Ingest: info}") }
            for (key, value) in pairs {
                guard let module = key.string else { throw fail(key, "logging.levels", "module names are plain words") }
                l.levels[module] = try level(value, "logging.levels.\(module)")
            }
        }
        return l
    }

    func delivery(_ node: Node) throws -> DeliverySettings {
        let map = try mapping(node, "outbox", allowed: ["retention_hours", "max_mb", "retry_initial", "retry_max", "flush_timeout"])
        var d = DeliverySettings()
        if let v = try number(map["retention_hours"], "outbox.retention_hours", range: 0...87_600) { d.retention = v * 3600 }
        if let v = try number(map["max_mb"], "outbox.max_mb", range: 1...10_000_000) { d.maxBytes = Int(v * 1_048_576) }
        if let v = try number(map["retry_initial"], "outbox.retry_initial", range: 0.01...600) { d.retryInitial = v }
        if let v = try number(map["retry_max"], "outbox.retry_max", range: 0.01...3600) { d.retryMax = v }
        if let v = try number(map["flush_timeout"], "outbox.flush_timeout", range: 0...3600) { d.flushTimeout = v }
        guard d.retryMax >= d.retryInitial else { throw fail(map["retry_max"], "outbox.retry_max", "must be at least outbox.retry_initial") }
        return d
    }

    func sink(_ node: Node, _ path: String) throws -> SinkConfig {
        guard case .mapping = node else { throw fail(node, path, "expected a sink: {type: jsonl | stdout | webhook | nats, …}") }
        let type = try string(try mapping(node, path, allowed: ["type", "path", "url", "secret_file", "secret_env", "ca_file", "timeout",
                                                               "servers", "stream", "creds_file", "replicas"])["type"], "\(path).type")
        switch type {
        case "jsonl":
            let map = try mapping(node, path, allowed: ["type", "path"])
            return .jsonl(path: try requiredString(map, "path", path, parent: node))
        case "stdout":
            _ = try mapping(node, path, allowed: ["type"])
            return .stdout
        case "webhook":
            let map = try mapping(node, path, allowed: ["type", "url", "secret_file", "secret_env", "ca_file", "timeout"])
            let url = try requiredString(map, "url", path, parent: node)
            guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme ?? ""), parsed.host != nil else {
                throw fail(map["url"], "\(path).url", "expected an http:// or https:// URL")
            }
            var webhook = WebhookSinkConfig(url: url)
            webhook.secretFile = try string(map["secret_file"], "\(path).secret_file")
            webhook.secretEnv = try string(map["secret_env"], "\(path).secret_env")
            guard (webhook.secretFile == nil) != (webhook.secretEnv == nil) else {
                throw fail(node, "\(path)", "give the signing secret as exactly one of secret_file or secret_env")
            }
            webhook.caFile = try string(map["ca_file"], "\(path).ca_file")
            if let v = try number(map["timeout"], "\(path).timeout", range: 0.1...300) { webhook.timeout = v }
            return .webhook(webhook)
        case "nats":
            return .nats(try natsConfig(try mapping(node, path, allowed: ["type", "servers", "stream", "creds_file", "replicas"]), path, node))
        case let other?:
            throw fail(node, "\(path).type", "unknown sink type \"\(other)\"; expected jsonl | stdout | webhook | nats")
        case nil:
            throw fail(node, "\(path).type", "missing; this key is required")
        }
    }

    func natsConfig(_ map: [String: Node], _ path: String, _ node: Node) throws -> NATSSinkConfig {
        guard let serversNode = map["servers"], case .sequence(let items) = serversNode, !items.isEmpty else {
            throw fail(map["servers"] ?? node, "\(path).servers", "expected a list of server URLs, e.g. [nats://127.0.0.1:4222]")
        }
        let servers = try items.map { item -> String in
            guard let s = item.string, s.hasPrefix("nats://") || s.hasPrefix("tls://") else {
                throw fail(item, "\(path).servers", "expected nats://host:port or tls://host:port")
            }
            return s
        }
        var nats = NATSSinkConfig(servers: servers)
        if let stream = try string(map["stream"], "\(path).stream") { nats.stream = stream }
        nats.credsFile = try string(map["creds_file"], "\(path).creds_file")
        if let v = try number(map["replicas"], "\(path).replicas", range: 1...5) { nats.replicas = Int(v) }
        return nats
    }
}
