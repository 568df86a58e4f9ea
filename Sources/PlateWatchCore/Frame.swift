import Foundation

/// A point on a source's own clock, in seconds from the start of the stream.
///
/// `Ingest` converts FFmpeg's pts × time_base into this at the edge; nothing later sees a time base.
public struct MediaTime: Sendable, Equatable, Comparable, Hashable, Codable {
    public var seconds: Double
    public init(seconds: Double) { self.seconds = seconds }
    public static func < (a: MediaTime, b: MediaTime) -> Bool { a.seconds < b.seconds }
    public static let zero = MediaTime(seconds: 0)
}

/// One decoded picture from one camera, as the analysis stages see it.
public struct Frame: Sendable {
    /// The camera's configured id.
    public var camera: String
    /// 0-based index of the frame in decode order since the source opened.
    public var index: Int
    public var mediaTime: MediaTime
    /// Wall-clock time the frame was decoded (arrival time; sources with RTCP sender reports refine it later).
    public var captureTime: Date
    public var luma: LumaImage
    /// CPU seconds the decoding thread spent on this frame (reading its packets and decoding them).
    public var decodeSeconds: Double = 0

    public init(camera: String, index: Int, mediaTime: MediaTime, captureTime: Date, luma: LumaImage) {
        self.camera = camera
        self.index = index
        self.mediaTime = mediaTime
        self.captureTime = captureTime
        self.luma = luma
    }
}
