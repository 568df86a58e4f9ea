/// What a camera watches; journeys (entry → yard-in → yard-out → exit) are built from these roles.
public enum CameraRole: String, Sendable, Codable, CaseIterable {
    case entry
    case exit
    case yardIn = "yard-in"
    case yardOut = "yard-out"
}

/// The whole run configuration: one value tree, validated once at start (`ConfigLoader`).
/// Each default below is what an omitted key means.
public struct Config: Sendable, Equatable {
    /// Names the crossing in every event. Required.
    public var site: String
    /// SQLite file holding the outbox of events. Default `./var/platewatch.sqlite`.
    public var store: String = "./var/platewatch.sqlite"
    public var ocr: OCRSettings = OCRSettings()
    public var tracking: TrackingSettings = TrackingSettings()
    public var cameras: [CameraConfig]
    /// Where events go besides the outbox. Default: none (the outbox still keeps them).
    public var sinks: [SinkConfig] = []
    public var events: EventSettings = EventSettings()
    public var ingest: IngestSettings = IngestSettings()
    public var delivery: DeliverySettings = DeliverySettings()
    public var management: ManagementSettings = ManagementSettings()
    public var logging: LoggingSettings = LoggingSettings()
    /// The border guard's desk; nil when the config has no `desk:` (then `run` starts none).
    public var desk: DeskSettings? = nil
    /// Seconds a stop (SIGTERM, SIGINT) may take: cameras stop, frames in flight finish, sinks flush. Default 15.
    public var shutdownGrace: Double = 15

    public init(site: String, cameras: [CameraConfig]) {
        self.site = site
        self.cameras = cameras
    }
}

public struct CameraConfig: Sendable, Equatable {
    /// Unique across the config; names the camera in events, logs and errors.
    public var id: String
    /// `rtsp://…`, `http(s)://…`, or a file path (relative paths are resolved against the working directory).
    public var url: String
    /// Cameras that watch one lane share a group. Default: the camera's id.
    public var group: String
    /// Default `entry`.
    public var role: CameraRole = .entry
    /// The goods yard a `yard-in`/`yard-out` camera counts vehicles for. Default `yard`.
    public var yard: String? = nil
    /// RTSP over `tcp` (survives lossy links) or `udp` (lower latency on a clean LAN). Default: `ingest.rtsp_transport`.
    public var rtspTransport: String? = nil
    /// Where plates may appear, in frame pixels (`roi: [[x, y], …]`, at least 3 points). Default: everywhere.
    public var roi: Polygon? = nil
    /// The camera is mounted close to the vehicles: plates wider than about 240 px (a motorbike plate a
    /// metre or two from a 1080p camera) are looked for too (`close_up: true`). On the bundled footage,
    /// which has no such plates, it cost 10–25 % more locating and 40–50 % more OCR per frame for the same
    /// reads, so it is off by default. Default `false`.
    public var closeUp = false

    public init(id: String, url: String, group: String? = nil, role: CameraRole = .entry) {
        self.id = id
        self.url = url
        self.group = group ?? id
        self.role = role
    }

    /// Files are read to the end as fast as possible and never drop a frame; the rest are live.
    public var isFile: Bool { !url.contains("://") || url.hasPrefix("file://") }
}

/// Which plate grammars a site accepts. A border crossing with Vietnam and China needs only those two;
/// `generic` (4–8 letters and digits, at least one of each, nothing repaired) reads other countries' plates
/// but also accepts more text that is no plate, so it is opt-in.
public enum PlateRegion: String, Sendable, Codable, CaseIterable {
    case vietnam = "vn"
    case china = "cn"
    case generic
}

public struct OCRSettings: Sendable, Equatable {
    /// Plate grammars to accept. Default `[vn, cn]`.
    public var regions: [PlateRegion] = [.vietnam, .china]
    /// `plate` (PlateWatch's model, models/plate.traineddata), `eng` (Tesseract's stock model) or a path
    /// to a `.traineddata` file. Default `plate`.
    public var model: String = "plate"
    /// A second model that reads the lines the first reads as no plate or unsure (confidence < 0.8), the
    /// surer read winning; costs OCR time only for those lines.
    public var fallbackModel: String? = nil
    /// A second model for pictures with no later frames (a crop, a still photo): where fewer than 3 in 4 of
    /// the first model's reads agree, it reads the same lines at every glyph height and its reads join the
    /// vote. Not used on video frames, where the tracker votes over frames. Default: `plate-b` beside the
    /// default `plate`, none beside any other model (who chooses `eng` or a model of their own reads with it
    /// alone unless they name a second one).
    public var voteModel: String? {
        get { chosenVoteModel ?? (model == "plate" ? "plate-b" : nil) }
        set { chosenVoteModel = .some(newValue) }
    }
    /// The vote model as set (`.some(nil)`: none); nil while it follows `model`.
    private var chosenVoteModel: String??
    /// Folder with `<model>.traineddata` files when `model` is a name. Default: Debian's tessdata folder.
    public var tessdata: String? = nil
    /// OCR engines shared by all cameras (each reads one plate at a time). Default: one per core.
    public var workers: Int? = nil
    /// Chinese provinces the crossing mostly sees (`ocr.cn_provinces`, e.g. [桂, 云] at the northern
    /// crossings): a weighting of the reader's own candidates for the province character, not a filter.
    public var cnProvinces: [Character] = []
    public init() {}

    /// What turns a second model off, in the config (`fallback_model`, `vote_model`) and on the command line.
    public static let noModel = "none"

    /// Sets the second models that are given (a config key, a command-line option), `none` turning one off.
    public mutating func setSecondModels(fallback: String?, vote: String?) {
        if let fallback { fallbackModel = fallback == Self.noModel ? nil : fallback }
        if let vote { voteModel = vote == Self.noModel ? nil : vote }
    }
}

public struct TrackingSettings: Sendable, Equatable {
    /// Reads that must agree before a passage is published. Default 2: one stray read is never an event.
    public var minVotes: Int = 2
    /// A track ends after this many seconds without a sighting. Default 0.5 s.
    public var trackTimeout: Double = 0.5
    /// Once this many reads agree, the track's later frames are located but not read again. Default 5.
    public var settleVotes: Int = 5
    /// A plate published on a camera is not published again by that camera until it has been out of sight
    /// this many seconds: a track that breaks (the plate hidden a moment, read badly a few frames) is still
    /// the same passage. Default 10 s.
    public var repeatWindow: Double = 10
    /// A track whose voted plate never reaches this confidence (0…1) gives no event. Default 0.5.
    public var minConfidence: Double = 0.5
    /// Cameras of one group (one lane) whose passages of one plate (or one character off) start within
    /// this many seconds of each other saw the same vehicle: one passage, one event. Default 5 s.
    public var mergeWindow: Double = 5
    public init() {}
}

/// The management listener: `/metrics`, `/healthz`, `/readyz`.
public struct ManagementSettings: Sendable, Equatable {
    /// `host:port`. Default `127.0.0.1:9108`; `off` disables the listener.
    public var listen: String? = "127.0.0.1:9108"
    /// A live camera out of `streaming` longer than this makes `/readyz` fail. Default 30 s.
    public var unreadyAfter: Double = 30
    /// A sink whose oldest untaken event is older than this makes `/readyz` fail. Default 300 s.
    public var sinkLagMax: Double = 300
    public init() {}

    /// Host and port of `listen`, nil when the listener is off.
    public var hostAndPort: (host: String, port: Int)? {
        guard let listen, let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]) else { return nil }
        return (String(listen[..<colon]), port)
    }
}

/// The desk web app (`platewatch desk`, or inside `run` when the config has `desk:`).
public struct DeskSettings: Sendable, Equatable {
    /// `host:port` of the web listener. Default `127.0.0.1:8080`.
    public var listen: String = "127.0.0.1:8080"
    /// The desk's own SQLite file: passages, corrections, watchlist, users, sessions, audit log.
    public var store: String = "./var/desk.sqlite"
    /// Marks the session cookie `Secure`: on whenever the desk is reached through TLS (a reverse proxy).
    public var secureCookies: Bool = false
    /// A browser session ends after this many hours without a request.
    public var sessionHours: Double = 12
    /// Failed logins for one user (or from one address) within `lockoutMinutes` that lock it for as long.
    public var maxFailedLogins: Int = 5
    public var lockoutMinutes: Double = 15
    /// Where the first admin's password may come from at first start (otherwise a one-time password is
    /// generated and printed once). Never a default password.
    public var adminPasswordEnv: String = "PLATEWATCH_DESK_ADMIN_PASSWORD"
    /// A central desk over many boxes reads their events from this JetStream stream instead of the local
    /// outbox (`desk.nats`, same keys as a nats sink).
    public var nats: NATSSinkConfig? = nil
    public init() {}

    public var hostAndPort: (host: String, port: Int)? {
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]) else { return nil }
        return (String(listen[..<colon]), port)
    }
}

/// Log lines: plain text for a person, JSON for a log shipper; a level per module.
public struct LoggingSettings: Sendable, Equatable {
    public enum Format: String, Sendable, CaseIterable {
        case text
        case json
    }
    public var format: Format = .text
    /// Default `notice`.
    public var level: String = "notice"
    /// Per module (`Ingest`, `OCR`, `Tracking`, `Delivery`, `Pipeline`, `Service`, `platewatch`): its own level.
    public var levels: [String: String] = [:]
    public init() {}
}

/// How live sources are opened, watched and reconnected (files are read to the end, every frame).
public struct IngestSettings: Sendable, Equatable {
    /// `tcp` or `udp`. Default `tcp`.
    public var rtspTransport: String = "tcp"
    /// Seconds connecting may take before the attempt is abandoned. Default 10.
    public var openTimeout: Double = 10
    /// Seconds without a decoded frame after which a live source is stalled and reconnected. Default 5.
    public var stallTimeout: Double = 5
    /// Reconnect delays: the first, doubling up to the cap, each with ±25 % jitter. Default 0.5 s and 30 s.
    public var backoffInitial: Double = 0.5
    public var backoffMax: Double = 30
    /// Decoded frames waiting for analysis, per camera; a live camera drops its oldest beyond this. Default 8.
    public var queueFrames: Int = 8
    public init() {}
}

/// What goes into each plate event besides the read.
public struct EventSettings: Sendable, Equatable {
    public enum CropMode: String, Sendable, CaseIterable {
        /// The plate's JPEG, base64, in the event (`crop.jpeg_base64`).
        case inline
        /// The JPEG written under `cropDirectory`, its path in the event (`crop.path`).
        case file
        case none
    }
    /// Default `inline`.
    public var crop: CropMode = .inline
    /// Default `./var/crops`.
    public var cropDirectory: String = "./var/crops"
    public init() {}
}

/// How the outbox is kept and how sinks are retried (`outbox:` in the config).
public struct DeliverySettings: Sendable, Equatable {
    /// Events every sink has taken are kept this long (journeys are rebuilt from 7 days). Default 7 days.
    public var retention: Double = 7 * 24 * 3600
    /// Above this many bytes, taken events are pruned at once; untaken ones never are (an alarm instead). Default 2 GiB.
    public var maxBytes: Int = 2 << 30
    /// Retry delays of a failing sink: doubling from the first to the cap, ±25 % jitter. Default 0.5 s and 30 s.
    public var retryInitial: Double = 0.5
    public var retryMax: Double = 30
    /// At the end of a run (or a stop), how long sinks may take to catch up before the rest waits for the next start.
    public var flushTimeout: Double = 10
    public init() {}
}

public struct WebhookSinkConfig: Sendable, Equatable {
    public var url: String
    /// The HMAC secret: the contents of `secretFile` (trailing newline dropped), or of the environment variable `secretEnv`.
    public var secretFile: String?
    public var secretEnv: String?
    /// PEM file of the CA that signs the platform's certificate, when it is not a public one.
    public var caFile: String?
    /// Seconds one POST may take.
    public var timeout: Double = 10
    public init(url: String) { self.url = url }
}

public struct NATSSinkConfig: Sendable, Equatable {
    public var servers: [String]
    public var stream: String = "PLATEWATCH"
    public var credsFile: String?
    /// Copies the stream keeps when PlateWatch creates it (3 on a 3-node cluster survives a node). Default 1.
    public var replicas: Int = 1
    public init(servers: [String]) { self.servers = servers }
}

public enum SinkConfig: Sendable, Equatable {
    /// One JSON object per line, appended and flushed per event.
    case jsonl(path: String)
    /// One JSON object per line on standard output.
    case stdout
    /// A signed POST per event to the border-gate platform.
    case webhook(WebhookSinkConfig)
    /// JetStream publish per event, deduplicated by event id.
    case nats(NATSSinkConfig)
}
