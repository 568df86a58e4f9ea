import Foundation

/// One vehicle passage, as published to every sink. The field names are the wire contract (README, "Events").
public struct PlateEvent: Sendable, Codable, Equatable {
    public static let currentSchemaVersion = 1

    public enum Kind: String, Sendable, Codable {
        /// The first confident consensus for a passage.
        case plateRead = "plate.read"
    }

    public struct MediaSpan: Sendable, Codable, Equatable {
        public var first: Double
        public var last: Double
        public init(first: Double, last: Double) {
            self.first = first
            self.last = last
        }
    }

    public var id: UUID
    public var schemaVersion: Int
    public var type: Kind
    public var site: String
    public var camera: String
    public var group: String
    public var role: CameraRole
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
    /// Frames whose reads agreed with the published plate, and all frames read for this passage.
    public var votes: Int
    public var reads: Int
    public var candidates: [PlateAlternative]

    public init(
        id: UUID = UUID(), type: Kind = .plateRead, site: String, camera: String, group: String, role: CameraRole,
        passageId: UUID = UUID(), plate: String, display: String, format: PlateFormat, confidence: Double,
        firstSeen: Date, lastSeen: Date, mediaTime: MediaSpan?, box: PixelRect, votes: Int, reads: Int,
        candidates: [PlateAlternative]
    ) {
        self.id = id
        self.schemaVersion = Self.currentSchemaVersion
        self.type = type
        self.site = site
        self.camera = camera
        self.group = group
        self.role = role
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
    }

    enum CodingKeys: String, CodingKey {
        case id, type, site, camera, group, role, plate, display, format, confidence, box, votes, reads, candidates
        case schemaVersion = "schema_version"
        case passageId = "passage_id"
        case firstSeen = "first_seen"
        case lastSeen = "last_seen"
        case mediaTime = "media_time"
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
