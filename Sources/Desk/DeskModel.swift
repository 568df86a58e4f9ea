import Foundation
import PlateWatchCore

/// A desk user's role. Each includes the one before: a viewer reads, an operator also corrects reads, edits
/// the watchlist and acknowledges alerts, an admin also manages users and API tokens.
public enum DeskRole: String, Codable, Sendable, CaseIterable, Comparable {
    case viewer, `operator`, admin

    var rank: Int { Self.allCases.firstIndex(of: self)! }
    public static func < (a: DeskRole, b: DeskRole) -> Bool { a.rank < b.rank }
}

/// One vehicle passage as the desk shows it: a `plate.updated` replaces its `plate.read`, a correction
/// replaces the plate and keeps the read one in `originalPlate`. Field names are the API's (docs/desk-api.md).
public struct Passage: Codable, Sendable, Equatable {
    public struct Watch: Codable, Sendable, Equatable {
        public var reason: String
    }

    /// The latest event of the passage.
    public var id: String
    public var passageId: String
    public var type: String
    public var plate: String
    public var display: String
    public var originalPlate: String?
    public var corrected: Bool
    public var format: String
    public var confidence: Double
    public var site: String
    public var camera: String
    public var group: String
    public var role: String
    public var yard: String?
    public var time: Date
    public var lastSeen: Date
    public var journeyId: String?
    public var journeyStep: Int?
    public var journeyFlags: [String]
    /// Seconds since the journey's first step, and for a `yard-out` how long the vehicle was in the yard.
    public var journeyElapsedSeconds: Double?
    public var yardDwellSeconds: Double?
    public var cropURL: String?
    public var watch: Watch?

    enum CodingKeys: String, CodingKey {
        case id, type, plate, display, corrected, format, confidence, site, camera, group, role, yard, time, watch
        case passageId = "passage_id", originalPlate = "original_plate", lastSeen = "last_seen", journeyId = "journey_id"
        case journeyStep = "journey_step", journeyFlags = "journey_flags", journeyElapsedSeconds = "journey_elapsed_seconds"
        case yardDwellSeconds = "yard_dwell_seconds", cropURL = "crop_url"
    }
}

/// An operator's change of a passage's plate. The read plate stays; this is kept beside it for the audit.
public struct Correction: Codable, Sendable, Equatable {
    public var id: String
    public var passageId: String
    public var oldPlate: String
    public var newPlate: String
    public var user: String
    public var time: Date
    public var reason: String

    enum CodingKeys: String, CodingKey {
        case id, user, time, reason
        case passageId = "passage_id", oldPlate = "old_plate", newPlate = "new_plate"
    }
}

public struct WatchEntry: Codable, Sendable, Equatable {
    public var plate: String
    public var reason: String
    public var addedBy: String
    public var addedAt: Date
    public var expiresAt: Date?

    public init(plate: String, reason: String, addedBy: String, addedAt: Date, expiresAt: Date?) {
        self.plate = plate
        self.reason = reason
        self.addedBy = addedBy
        self.addedAt = addedAt
        self.expiresAt = expiresAt
    }

    enum CodingKeys: String, CodingKey {
        case plate, reason
        case addedBy = "added_by", addedAt = "added_at", expiresAt = "expires_at"
    }
}

/// A watchlisted plate seen at a camera; open until an operator acknowledges it.
public struct Alert: Codable, Sendable, Equatable {
    public var id: String
    public var plate: String
    public var reason: String
    public var passageId: String
    public var camera: String
    public var time: Date
    public var acknowledgedBy: String?
    public var acknowledgedAt: Date?

    enum CodingKeys: String, CodingKey {
        case id, plate, reason, camera, time
        case passageId = "passage_id", acknowledgedBy = "acknowledged_by", acknowledgedAt = "acknowledged_at"
    }
}

public struct AuditEntry: Codable, Sendable, Equatable {
    public var id: Int64
    public var time: Date
    public var user: String
    public var action: String
    public var subject: String
    public var detail: String
}

public struct DeskUser: Codable, Sendable, Equatable {
    public var username: String
    public var role: DeskRole
    public var createdAt: Date
    public var lockedUntil: Date?

    enum CodingKeys: String, CodingKey {
        case username, role
        case createdAt = "created_at", lockedUntil = "locked_until"
    }
}

public struct APIToken: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    public var role: DeskRole
    public var createdBy: String
    public var createdAt: Date

    enum CodingKeys: String, CodingKey {
        case id, name, role
        case createdBy = "created_by", createdAt = "created_at"
    }
}

public struct YardCount: Codable, Sendable, Equatable {
    public var yard: String
    public var occupancy: Int
    public var inToday: Int
    public var outToday: Int
    public var updated: Date?

    enum CodingKeys: String, CodingKey {
        case yard, occupancy, updated
        case inToday = "in_today", outToday = "out_today"
    }
}

/// What the search page asks for.
public struct PassageQuery: Sendable, Equatable {
    public enum Match: String, Sendable { case exact, prefix, near }
    public var plate: String? = nil
    public var match: Match = .exact
    public var camera: String? = nil
    public var role: String? = nil
    public var from: Date? = nil
    public var to: Date? = nil
    public var page: Int = 1
    public var perPage: Int = 25
    public init() {}
}

public struct Page<Item: Codable & Sendable>: Codable, Sendable {
    public var items: [Item]
    public var page: Int
    public var perPage: Int
    public var total: Int

    enum CodingKeys: String, CodingKey {
        case items, page, total
        case perPage = "per_page"
    }
}

/// The session a browser holds: who, and the token its state-changing requests must repeat.
public struct DeskSession: Sendable, Equatable {
    public var username: String
    public var role: DeskRole
    public var csrf: String
    public var expires: Date
}

/// `plate.corrected`: an operator changed a passage's plate at the desk. It goes through the outbox to every
/// sink like any other event, so the platform's copy of the passage is corrected too.
public struct PlateCorrectedEvent: OutboundEvent, Codable, Equatable {
    public static let typeName = "plate.corrected"
    public var id: UUID
    public var schemaVersion: Int
    public var type: String
    public var site: String
    public var camera: String
    public var passageId: String
    /// The plate as read (and last published), and the plate the operator set.
    public var previousPlate: String
    public var plate: String
    public var user: String
    public var reason: String
    public var time: Date

    public var typeName: String { type }

    public init(site: String, camera: String, passageId: String, previousPlate: String, plate: String, user: String,
                reason: String, time: Date) {
        id = UUID()
        schemaVersion = PlateEvent.currentSchemaVersion
        type = Self.typeName
        self.site = site
        self.camera = camera
        self.passageId = passageId
        self.previousPlate = previousPlate
        self.plate = plate
        self.user = user
        self.reason = reason
        self.time = time
    }

    enum CodingKeys: String, CodingKey {
        case id, type, site, camera, plate, user, reason, time
        case schemaVersion = "schema_version", passageId = "passage_id", previousPlate = "previous_plate"
    }

    public func jsonLine() throws -> String {
        String(decoding: try PlateEvent.makeEncoder().encode(self), as: UTF8.self)
    }
}
