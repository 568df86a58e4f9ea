import Foundation
import Logging
import PlateWatchCore

/// Reads one camera, file or image to `Frame`s in decode order.
///
/// Contract: `next()` blocks on the calling thread until a frame is ready, returns nil at the end of a
/// file, and throws a `PlateWatchError` naming the camera when the source cannot be opened or fails.
/// The reader owns its decoder; frames it returns own their pixels and may go to any thread.
public final class MediaReader {
    public let camera: String
    public let url: String
    private let decoder: FFmpegDecoder
    private var index = 0
    private var lastSeconds: Double = -1

    public var width: Int { decoder.width }
    public var height: Int { decoder.height }
    public var frameRate: Double? { decoder.frameRate }
    /// Video packets read so far.
    public var packetsRead: Int { decoder.packetsRead }
    /// Whether the decoder skips non-reference frames (set under overload).
    public var skipsNonReference: Bool {
        get { decoder.skipsNonReference }
        set { decoder.skipsNonReference = newValue }
    }

    /// - Parameters:
    ///   - camera: the id used in frames and errors (a file name when reading files ad hoc).
    ///   - rtspTransport: `tcp` (default: survives lossy links) or `udp`.
    ///   - stop: set from another thread, it ends a blocked open or read at once (`CameraSource.stop`).
    public init(url: String, camera: String, rtspTransport: String = "tcp", openTimeout: Double = 10,
                readTimeout: Double = 10, stop: StopSignal? = nil) throws {
        self.camera = camera
        self.url = url
        let isURL = url.contains("://") && !url.hasPrefix("file://")
        if !isURL {
            let path = url.hasPrefix("file://") ? String(url.dropFirst(7)) : url
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw PlateWatchError(.fileNotFound, subject: camera, message: "no such file: \(path)", hint: "check the path")
            }
            guard !isDirectory.boolValue else {
                throw PlateWatchError(.notMedia, subject: camera, message: "\(path) is a folder", hint: "give a video or image file")
            }
        }
        var options: [String: String] = [:]
        if url.hasPrefix("rtsp://") { options["rtsp_transport"] = rtspTransport }
        decoder = try FFmpegDecoder(url: url, subject: camera, options: options, openTimeout: openTimeout,
                                    readTimeout: readTimeout, stop: stop)
    }

    public func next() throws -> Frame? {
        guard let picture = try decoder.next() else { return nil }
        defer { index += 1 }
        // Streams without timestamps (stills, some MJPEG) fall back to the frame count at the nominal rate.
        var seconds = picture.seconds ?? Double(index) / (frameRate ?? 25)
        if seconds <= lastSeconds { seconds = lastSeconds + 1 / (frameRate ?? 25) }
        lastSeconds = seconds
        // The camera's own clock when it sends one (RTCP), else arrival.
        let captured = picture.senderTime.map { Date(timeIntervalSince1970: $0) } ?? Date()
        return Frame(camera: camera, index: index, mediaTime: MediaTime(seconds: seconds), captureTime: captured,
                     luma: picture.luma)
    }
}

/// A stop request from another thread: ends a source's blocked FFmpeg call and its waits.
public final class StopSignal: @unchecked Sendable {
    private let condition = NSCondition()
    private var value = false

    public init() {}

    public var isSet: Bool { condition.withLock { value } }

    public func set() {
        condition.withLock {
            value = true
            condition.broadcast()
        }
    }

    /// Sleeps up to `seconds`; returns early, true, once the signal is set.
    @discardableResult
    public func wait(seconds: Double) -> Bool {
        let until = Date().addingTimeInterval(seconds)
        return condition.withLock {
            while !value && condition.wait(until: until) {}
            return value
        }
    }
}
