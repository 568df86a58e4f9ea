import Foundation
import OCR
import PlateWatchCore
import Tracking
import Vision

/// Locates, reads and tracks the plates of one camera's frames, in order, on the calling thread.
///
/// Owns Tesseract engines, so it belongs to one thread for its life. Frames of a settled track are
/// located but not read again: the OCR time goes to vehicles that still need votes.
public final class FrameAnalyzer {
    public let locator: PlateLocator
    public let reader: PlateReader
    public private(set) var tracker: PlateTracker
    public private(set) var framesAnalysed = 0
    public private(set) var readsMade = 0

    public init(ocr: OCRSettings, tracking: TrackingSettings, locator: PlateLocator = PlateLocator()) throws {
        self.locator = locator
        self.reader = try PlateReader(settings: ocr)
        self.tracker = PlateTracker(settings: tracking)
    }

    /// Every read made in this frame, and the passages that became publishable with it.
    public func analyse(_ frame: Frame) -> (reads: [PlateRead], passages: [Passage]) {
        framesAnalysed += 1
        var reads: [PlateRead] = []
        var passages: [Passage] = []
        for candidate in locator.locate(in: frame.luma) {
            if tracker.isSettled(candidate.box) {
                tracker.observe(box: candidate.box, at: frame.mediaTime, wall: frame.captureTime)
                continue
            }
            guard let read = reader.read(frame: frame.luma, candidate: candidate) else { continue }
            // Two proposals around one plate give the same read; count it once per frame.
            guard !reads.contains(where: { $0.plate == read.plate && $0.box.intersectionOverUnion(read.box) > 0.3 }) else { continue }
            reads.append(read)
            readsMade += 1
            if let passage = tracker.add(read, at: frame.mediaTime, wall: frame.captureTime) { passages.append(passage) }
        }
        passages += tracker.advance(to: frame.mediaTime)
        return (reads, passages)
    }

    /// Passages still open at the end of the stream.
    public func finish() -> [Passage] { tracker.finish() }
}
