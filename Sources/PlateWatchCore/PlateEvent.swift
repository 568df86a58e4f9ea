import Foundation

/// What every published event is to the outbox and the sinks: an id to deduplicate by, a type, and one
/// line of JSON. The JSON Schema of each type is `docs/events.schema.json`.
public protocol OutboundEvent: Sendable {
    var id: UUID { get }
    var typeName: String { get }
    /// The camera the event came from, and the plate it is about (outbox columns, for lookups).
    var camera: String { get }
    var plate: String { get }
    func jsonLine() throws -> String
}

/// One vehicle passage, as published to every sink. The field names are the wire contract (README, "Events",
/// and `docs/events.schema.json`).
public struct PlateEvent: OutboundEvent, Codable, Equatable {
    /// 2: `plate.updated`, `sightings`, `crop`, `journey`.
    public static let currentSchemaVersion = 2

    public enum Kind: String, Sendable, Codable {
        /// The first confident consensus for a passage.
        case plateRead = "plate.read"
        /// Later reads (or another camera of the lane) changed the plate of a published passage.
        case plateUpdated = "plate.updated"
    }

    public struct MediaSpan: Sendable, Codable, Equatable {
        public var first: Double
        public var last: Double
        public init(first: Double, last: Double) {
            self.first = first
            self.last = last
        }
    }

    /// One camera of the lane that saw the vehicle.
    public struct Sighting: Sendable, Codable, Equatable {
        public var camera: String
        public var time: Date
        public var confidence: Double
        public init(camera: String, time: Date, confidence: Double) {
            self.camera = camera
            self.time = time
            self.confidence = confidence
        }
    }

    /// The plate as the camera saw it: a JPEG (FFmpeg's mjpeg encoder, at most 30 KB), inline or as a file.
    public struct Crop: Sendable, Codable, Equatable {
        public var width: Int
        public var height: Int
        public var jpegBase64: String?
        public var path: String?
        public init(width: Int, height: Int, jpegBase64: String? = nil, path: String? = nil) {
            self.width = width
            self.height = height
            self.jpegBase64 = jpegBase64
            self.path = path
        }
        enum CodingKeys: String, CodingKey {
            case width, height, path
            case jpegBase64 = "jpeg_base64"
        }
    }

    /// Where this passage stands in the vehicle's way through the crossing (entry → yard-in → yard-out → exit).
    public struct JourneyStep: Sendable, Codable, Equatable {
        public var id: UUID
        /// Passages of the journey so far, this one included.
        public var step: Int
        /// Seconds since the journey's first passage; for `yard-out`, also the seconds spent in that yard.
        public var elapsedSeconds: Double
        public var yardDwellSeconds: Double?
        /// What is odd about the journey: `no-entry`, `no-yard-in`, `no-yard-out`, `repeated-role`, `out-of-order`.
        public var flags: [String]
        public init(id: UUID, step: Int, elapsedSeconds: Double, yardDwellSeconds: Double? = nil, flags: [String] = []) {
            self.id = id
            self.step = step
            self.elapsedSeconds = elapsedSeconds
            self.yardDwellSeconds = yardDwellSeconds
            self.flags = flags
        }
        enum CodingKeys: String, CodingKey {
            case id, step, flags
            case elapsedSeconds = "elapsed_seconds"
            case yardDwellSeconds = "yard_dwell_seconds"
        }
    }

    public var id: UUID
    public var schemaVersion: Int
    public var type: Kind
    public var site: String
    public var camera: String
    public var group: String
    public var role: CameraRole
    /// The yard a `yard-in`/`yard-out` camera counts for.
    public var yard: String?
    public var passageId: UUID
    public var plate: String
    public var display: String
    public var format: PlateFormat
    public var confidence: Double
    public var firstSeen: Date
    public var lastSeen: Date
    /// Present for file sources: media time of the first and last frame of the vehicle's reads.
    public var mediaTime: MediaSpan?
    /// Box of the best read, full-frame pixels.
    public var box: PixelRect
    /// Frames whose reads supported the published plate, and all frames read for this passage.
    public var votes: Int
    public var reads: Int
    public var candidates: [PlateAlternative]
    /// Every camera of the lane that saw this vehicle, first first.
    public var sightings: [Sighting]
    public var crop: Crop?
    public var journey: JourneyStep?

    public var typeName: String { type.rawValue }

    public init(
        id: UUID = UUID(), type: Kind = .plateRead, site: String, camera: String, group: String, role: CameraRole,
        yard: String? = nil, passageId: UUID = UUID(), plate: String, display: String, format: PlateFormat, confidence: Double,
        firstSeen: Date, lastSeen: Date, mediaTime: MediaSpan?, box: PixelRect, votes: Int, reads: Int,
        candidates: [PlateAlternative], sightings: [Sighting]? = nil, crop: Crop? = nil, journey: JourneyStep? = nil
    ) {
        self.id = id
        self.schemaVersion = Self.currentSchemaVersion
        self.type = type
        self.site = site
        self.camera = camera
        self.group = group
        self.role = role
        self.yard = yard
        self.passageId = passageId
        self.plate = plate
        self.display = display
        self.format = format
        self.confidence = confidence
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
        self.mediaTime = mediaTime
        self.box = box
        self.votes = votes
        self.reads = reads
        self.candidates = candidates
        self.sightings = sightings ?? [Sighting(camera: camera, time: firstSeen, confidence: confidence)]
        self.crop = crop
        self.journey = journey
    }

    enum CodingKeys: String, CodingKey {
        case id, type, site, camera, group, role, yard, plate, display, format, confidence, box, votes, reads, candidates
        case sightings, crop, journey
        case schemaVersion = "schema_version"
        case passageId = "passage_id"
        case firstSeen = "first_seen"
        case lastSeen = "last_seen"
        case mediaTime = "media_time"
    }
}

/// A yard's vehicle count changed: a vehicle went in through a `yard-in` camera or out through `yard-out`
/// (or left the crossing at `exit` without being seen leaving the yard).
public struct YardOccupancyEvent: OutboundEvent, Codable, Equatable {
    public static let typeName = "yard.occupancy"
    public var id: UUID
    public var schemaVersion: Int
    public var type: String
    public var site: String
    public var yard: String
    /// Vehicles in the yard now, and the change this event records (+1 or -1).
    public var occupancy: Int
    public var change: Int
    /// The passage that changed the count.
    public var plate: String
    public var passageId: UUID
    public var camera: String
    public var time: Date

    public var typeName: String { type }

    public init(id: UUID = UUID(), site: String, yard: String, occupancy: Int, change: Int, plate: String, passageId: UUID,
                camera: String, time: Date) {
        self.id = id
        self.schemaVersion = PlateEvent.currentSchemaVersion
        self.type = Self.typeName
        self.site = site
        self.yard = yard
        self.occupancy = occupancy
        self.change = change
        self.plate = plate
        self.passageId = passageId
        self.camera = camera
        self.time = time
    }

    enum CodingKeys: String, CodingKey {
        case id, type, site, yard, occupancy, change, plate, camera, time
        case schemaVersion = "schema_version"
        case passageId = "passage_id"
    }

    public func jsonLine() throws -> String {
        String(decoding: try PlateEvent.makeEncoder().encode(self), as: UTF8.self)
    }
}

extension PlateEvent {
    /// The one JSON encoding every sink uses: sorted keys, RFC 3339 UTC times with milliseconds.
    public static func makeEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var c = encoder.singleValueContainer()
            try c.encode(RFC3339.string(from: date))
        }
        return encoder
    }

    public static func makeDecoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let c = try decoder.singleValueContainer()
            let text = try c.decode(String.self)
            guard let date = RFC3339.date(from: text) else {
                throw DecodingError.dataCorruptedError(in: c, debugDescription: "not an RFC 3339 time: \(text)")
            }
            return date
        }
        return decoder
    }

    public func jsonLine() throws -> String {
        String(decoding: try Self.makeEncoder().encode(self), as: UTF8.self)
    }
}

/// RFC 3339 in UTC with millisecond precision, e.g. `2026-11-25T01:50:15.123Z`.
public enum RFC3339 {
    public static func string(from date: Date) -> String {
        date.formatted(.iso8601.year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: true).timeSeparator(.colon).timeZone(separator: .omitted))
    }

    public static func date(from text: String) -> Date? {
        try? Date(text, strategy: .iso8601.year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: true).timeSeparator(.colon).timeZone(separator: .omitted))
    }
}

extension UUID {
    /// A UUID that is the same for the same text, every run: for events of file sources, so that reading a
    /// file again after a crash gives its passages the ids they had, and sinks drop the repeats by id.
    /// Two FNV-1a 64-bit hashes of the text, formatted as a version-8 (custom) UUID.
    public static func derived(from text: String) -> UUID {
        func fnv(_ seed: UInt64) -> UInt64 {
            var hash = seed
            for byte in text.utf8 {
                hash ^= UInt64(byte)
                hash = hash &* 0x0000_0100_0000_01B3
            }
            return hash
        }
        let (a, b) = (fnv(0xCBF2_9CE4_8422_2325), fnv(0x84222325_CBF29CE4))
        var bytes = (0..<8).map { UInt8(truncatingIfNeeded: a >> (8 * $0)) } + (0..<8).map { UInt8(truncatingIfNeeded: b >> (8 * $0)) }
        bytes[6] = (bytes[6] & 0x0F) | 0x80
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        return UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                           bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
    }
}
