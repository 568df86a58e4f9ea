/// A region of a frame that looks like a plate: found by `Vision`, not yet read.
public struct PlateCandidate: Sendable, Equatable {
    /// Box in full-frame pixels.
    public var box: PixelRect
    /// How plate-like the region looked, 0…1 (edge density and character-like components).
    public var score: Double
    public init(box: PixelRect, score: Double) {
        self.box = box
        self.score = score
    }
}

/// The layouts PlateWatch tells apart; the same characters can mean different plates in different layouts.
public enum PlateFormat: String, Sendable, Codable, CaseIterable {
    case vnOneLine = "VN-1line"
    case vnTwoLine = "VN-2line"
    case vnMoto = "VN-moto"
    case vnDiplomatic = "VN-diplomatic"
    case vnMilitary = "VN-military"
    case chinese = "CN"
    case generic = "generic"
}

/// A read text and how sure the reader is of it.
public struct PlateAlternative: Sendable, Equatable, Codable {
    public var plate: String
    public var confidence: Double
    public init(plate: String, confidence: Double) {
        self.plate = plate
        self.confidence = confidence
    }
}

/// What the OCR stage made of one candidate in one frame.
public struct PlateRead: Sendable, Equatable {
    /// Normalised text: upper-case letters and digits, Chinese province character kept.
    public var plate: String
    /// As written on the plate, with separators; two lines joined by a space.
    public var display: String
    public var format: PlateFormat
    public var confidence: Double
    public var box: PixelRect
    /// Other readings of the same region, best first (the first is `plate`).
    public var candidates: [PlateAlternative]
    /// Number of text lines on the plate (1 or 2).
    public var lines: Int
    /// The frame's pixels around the plate (set by the pipeline, for the event's crop); nil when not kept.
    public var image: LumaImage?

    public init(
        plate: String, display: String, format: PlateFormat, confidence: Double, box: PixelRect,
        candidates: [PlateAlternative], lines: Int
    ) {
        self.plate = plate
        self.display = display
        self.format = format
        self.confidence = confidence
        self.box = box
        self.candidates = candidates
        self.lines = lines
    }
}
