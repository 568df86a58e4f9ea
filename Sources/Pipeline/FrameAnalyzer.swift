import Foundation
import Metrics
import OCR
import PlateWatchCore
import Tracking
import Vision

/// CPU seconds one frame (or a run of frames) spent in each analysis stage, on its thread.
public struct StageSeconds: Sendable, Equatable {
    public var locate = 0.0
    public var ocr = 0.0
    public var track = 0.0
    public init() {}

    public static func += (a: inout StageSeconds, b: StageSeconds) {
        a.locate += b.locate
        a.ocr += b.ocr
        a.track += b.track
    }
}

/// What one frame gave: the reads made in it, the passages that became publishable, and its cost.
public struct FrameAnalysis: Sendable {
    public var reads: [PlateRead] = []
    /// Candidates sent to OCR in this frame (read or rejected).
    public var ocrAttempts = 0
    public var passages: [Passage] = []
    public var cost = StageSeconds()
}

/// Locates, reads and tracks the plates of one camera's frames, in order, on the calling thread.
///
/// Holds one camera's tracking state, so it belongs to that camera's thread; the OCR engines it borrows
/// from a pool shared by all cameras. Frames of a settled track are located but not read again: the OCR
/// time goes to vehicles that still need votes.
public final class FrameAnalyzer {
    public let locator: PlateLocator
    public let readers: PlateReaderPool
    /// Whether reads keep the frame's pixels around the plate (for the events' crops).
    public var keepsImages = true
    /// Where plates may be; candidates centred outside are dropped before any read.
    public var regionOfInterest: Polygon?
    public private(set) var tracker: PlateTracker
    /// Regions that gave no plate, and until when they are not read again while they stay put.
    private var rejected: [(box: PixelRect, until: MediaTime)] = []
    /// How long an unmoved region that read as no plate is skipped: signs, badges and grilles are static
    /// and would otherwise cost a Tesseract call every frame; a plate that approaches moves out of the box.
    static let rejectionMemory = 0.4
    public private(set) var framesAnalysed = 0
    public private(set) var readsMade = 0
    /// Seconds spent per stage since creation.
    public private(set) var stageSeconds = StageSeconds()

    private let stageTimers = (locate: Timer(label: "platewatch_stage_seconds", dimensions: [("stage", "locate")]),
                               ocr: Timer(label: "platewatch_stage_seconds", dimensions: [("stage", "ocr")]),
                               track: Timer(label: "platewatch_stage_seconds", dimensions: [("stage", "track")]))
    private let ocrReads = Counter(label: "platewatch_ocr_reads_total")
    private let ocrRejections = Counter(label: "platewatch_ocr_rejections_total")

    public init(readers: PlateReaderPool, tracking: TrackingSettings, locator: PlateLocator = PlateLocator()) {
        self.locator = locator
        self.readers = readers
        self.tracker = PlateTracker(settings: tracking, isPlate: PlateGrammar.fits)
    }

    /// An analyser with a reader of its own (one camera, or `read` on files).
    public convenience init(ocr: OCRSettings, tracking: TrackingSettings, locator: PlateLocator = PlateLocator()) throws {
        self.init(readers: try PlateReaderPool(size: 1, settings: ocr), tracking: tracking, locator: locator)
    }

    /// - Parameter still: the frame is a photo, with no other frames to vote (`PlateReader.read(frame:candidate:still:)`).
    public func analyse(_ frame: Frame, still: Bool = false) -> FrameAnalysis {
        framesAnalysed += 1
        var result = FrameAnalysis()
        var clock = ThreadClock.now()
        func lap(_ stage: WritableKeyPath<StageSeconds, Double>) {
            let now = ThreadClock.now()
            result.cost[keyPath: stage] += Double(now - clock) / 1e9
            clock = now
        }
        var candidates = locator.locate(in: frame.luma)
        if let regionOfInterest { candidates.removeAll { !regionOfInterest.contains(centreOf: $0.box) } }
        lap(\.locate)
        for candidate in candidates {
            if tracker.isSettled(candidate.box, at: frame.mediaTime) {
                tracker.observe(box: candidate.box, at: frame.mediaTime, wall: frame.captureTime)
                continue
            }
            if rejected.contains(where: { $0.until > frame.mediaTime && $0.box.intersectionOverUnion(candidate.box) > 0.8 }) {
                continue
            }
            result.ocrAttempts += 1
            let attempt = readers.withReader { $0.read(frame: frame.luma, candidate: candidate, still: still) }
            lap(\.ocr)
            guard var read = attempt else {
                ocrRejections.increment()
                rejected.append((candidate.box, MediaTime(seconds: frame.mediaTime.seconds + Self.rejectionMemory)))
                continue
            }
            // Two proposals around one plate give the same read; count it once per frame.
            guard !result.reads.contains(where: { $0.plate == read.plate && $0.box.intersectionOverUnion(read.box) > 0.3 }) else { continue }
            if keepsImages { read.image = Self.plateImage(frame.luma, around: read.box) }
            result.reads.append(read)
            readsMade += 1
            ocrReads.increment()
            if let passage = tracker.add(read, at: frame.mediaTime, wall: frame.captureTime) { result.passages.append(passage) }
        }
        result.passages += tracker.advance(to: frame.mediaTime)
        rejected.removeAll { $0.until <= frame.mediaTime }
        lap(\.track)
        stageSeconds += result.cost
        stageTimers.locate.recordNanoseconds(Int64(result.cost.locate * 1e9))
        if result.ocrAttempts > 0 { stageTimers.ocr.recordNanoseconds(Int64(result.cost.ocr * 1e9)) }
        stageTimers.track.recordNanoseconds(Int64(result.cost.track * 1e9))
        return result
    }

    /// The plate with a margin of a quarter of its height, as an operator wants to see it in an event.
    static func plateImage(_ luma: LumaImage, around box: PixelRect) -> LumaImage {
        let margin = max(4, box.height / 4)
        return luma.cropped(to: box.insetBy(dx: -margin, dy: -margin).clipped(width: luma.width, height: luma.height))
    }

    /// Passages still open at the end of the stream; the analyser is then ready for another stream.
    public func finish() -> [Passage] {
        rejected.removeAll()
        return tracker.finish()
    }
}
