import Foundation
import Ingest
import PlateWatchCore
import Tracking

/// The plates found in one image or video file: what `platewatch read --json` prints per file.
public struct FileReadout: Sendable, Codable {
    public struct Plate: Sendable, Codable, Equatable {
        public var plate: String
        public var display: String
        public var format: PlateFormat
        public var confidence: Double
        public var box: PixelRect
        public var candidates: [PlateAlternative]
    }
    public var file: String
    public var plates: [Plate]
    public var ms: Double

    /// Reads every frame of `path`. A still gives each plate found in it, each read by vote over the sizes its
    /// lines are drawn at; a video gives one plate per tracked vehicle (frame reads voted together as in `run`,
    /// at least one agreeing read).
    /// The analyser can be reused for the next file (its engines take ~100 ms to load).
    /// - Parameter crop: each picture is one plate cut to its text (as the crop datasets are): it is read
    ///   whole, without looking for plates in it.
    public static func read(path: String, analyzer: FrameAnalyzer, crop: Bool = false) throws -> FileReadout {
        let started = DispatchTime.now()
        _ = analyzer.finish()
        let reader = try MediaReader(url: path, camera: path)
        var plates: [Plate] = []
        var frames = 0
        var singleFrameReads: [PlateRead] = []
        // One frame ahead: a file of one picture is a still, whose reads vote (`PlateReader.read(frame:candidate:still:)`).
        var next = try reader.next()
        while let frame = next {
            frames += 1
            if crop {
                singleFrameReads = analyzer.readers.withReader { $0.read(crop: frame.luma, tight: true) }.map { [$0] } ?? []
                break
            }
            next = try reader.next()
            let result = analyzer.analyse(frame, still: frames == 1 && next == nil)
            if frames == 1 { singleFrameReads = result.reads }
            plates += result.passages.map(Plate.init)
        }
        plates += analyzer.finish().map(Plate.init)
        if frames == 1 {
            plates = singleFrameReads.map { Plate(plate: $0.plate, display: $0.display, format: $0.format,
                                                  confidence: $0.confidence, box: $0.box, candidates: $0.candidates) }
        }
        if frames == 0 {
            throw PlateWatchError(.corruptMedia, subject: path, message: "no picture could be decoded",
                                  hint: "the file may be truncated or empty")
        }
        let ms = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e6
        return FileReadout(file: path, plates: plates, ms: (ms * 10).rounded() / 10)
    }
}

extension FileReadout.Plate {
    init(_ p: Passage) {
        self.init(plate: p.plate, display: p.display, format: p.format, confidence: p.confidence, box: p.box,
                  candidates: p.candidates)
    }
}
