import CFFmpeg
import Foundation
import PlateWatchCore

// The only file that touches FFmpeg's C types. Each C handle has one owning class that frees it in
// `deinit`; every call that can fail goes through `check`, which turns FFmpeg's code into a
// `PlateWatchError` naming the call, the camera or file, and av_strerror's text.

enum FFmpeg {
    static func errorText(_ code: Int32) -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        pw_av_strerror(code, &buffer, buffer.count)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    @discardableResult
    static func check(_ result: Int32, _ call: String, subject: String, code: PlateWatchError.Code = .decoder,
                      hint: String? = nil) throws -> Int32 {
        guard result < 0 else { return result }
        throw PlateWatchError(code, subject: subject, message: "\(call) failed: \(errorText(result))", hint: hint)
    }

    static func quiet() {
        // FFmpeg's own stderr chatter would bury our structured logs; errors reach the user through `check`.
        av_log_set_level(AV_LOG_FATAL)
    }
}

/// Lets a blocked FFmpeg call (connect, read) give up once its deadline passes, so a stalled camera
/// never holds a thread forever.
/// A stop request (another thread's) also ends the blocked call at once.
final class InterruptDeadline: @unchecked Sendable {
    // Written by the owning thread before each blocking call, read by FFmpeg's callback on that same thread.
    var deadline: UInt64 = .max
    let stop: StopSignal?

    init(stop: StopSignal?) { self.stop = stop }

    func arm(seconds: Double) { deadline = DispatchTime.now().uptimeNanoseconds + UInt64(seconds * 1e9) }
    func disarm() { deadline = .max }
    var expired: Bool { stop?.isSet == true || DispatchTime.now().uptimeNanoseconds > deadline }
}

/// The luma of one decoded picture, copied out of FFmpeg's buffers, with its timestamps.
struct DecodedPicture {
    var luma: LumaImage
    /// Seconds on the stream's clock, nil when the stream carries no timestamp.
    var seconds: Double?
    /// When the camera captured it (Unix seconds), from the sender's clock: RTSP cameras send RTCP sender
    /// reports mapping RTP time to NTP time. Nil when the source gives none (files, most HTTP streams).
    var senderTime: Double?
}

/// Opens a file or URL and decodes its best video stream to luma pictures.
final class FFmpegDecoder {
    private var format: UnsafeMutablePointer<AVFormatContext>?
    private var codec: UnsafeMutablePointer<AVCodecContext>?
    private let packet: UnsafeMutablePointer<AVPacket>
    private let frame: UnsafeMutablePointer<AVFrame>
    private var scaler: OpaquePointer?
    private var scalerKey: (Int32, Int32, Int32) = (0, 0, -1)
    private let streamIndex: Int32
    private let timeBase: Double
    private let startSeconds: Double
    private let subject: String
    private let interrupt: InterruptDeadline
    private let readTimeout: Double
    /// Video packets read from the source.
    private(set) var packetsRead = 0
    /// Under overload the decoder may drop non-reference frames (FFmpeg `skip_frame`) before whole frames
    /// are dropped from the queue: they cost decode time and no other frame needs them.
    var skipsNonReference = false {
        didSet { codec?.pointee.skip_frame = skipsNonReference ? AVDISCARD_NONREF : AVDISCARD_DEFAULT }
    }
    private var draining = false
    private var finished = false

    let width: Int
    let height: Int
    /// Nominal frames per second, when the container states one.
    let frameRate: Double?

    /// - Parameters:
    ///   - subject: camera id or file name, used in every error.
    ///   - openTimeout/readTimeout: seconds a single blocking call may take before it is abandoned.
    ///   - stop: set from another thread to end a blocked open or read at once.
    init(url: String, subject: String, options: [String: String] = [:], openTimeout: Double = 10,
         readTimeout: Double = 10, threads: Int = 1, stop: StopSignal? = nil) throws {
        FFmpeg.quiet()
        self.subject = subject
        self.interrupt = InterruptDeadline(stop: stop)
        self.readTimeout = readTimeout
        guard let packet = av_packet_alloc(), let frame = av_frame_alloc() else {
            throw PlateWatchError(.internalFailure, subject: subject, message: "out of memory allocating a packet")
        }
        self.packet = packet
        self.frame = frame

        var ctx = avformat_alloc_context()
        ctx?.pointee.interrupt_callback = AVIOInterruptCB(
            callback: { opaque in
                guard let opaque else { return 0 }
                return Unmanaged<InterruptDeadline>.fromOpaque(opaque).takeUnretainedValue().expired ? 1 : 0
            },
            opaque: Unmanaged.passUnretained(interrupt).toOpaque())
        var dict: OpaquePointer?
        for (key, value) in options { av_dict_set(&dict, key, value, 0) }
        defer { av_dict_free(&dict) }
        interrupt.arm(seconds: openTimeout)
        let opened = avformat_open_input(&ctx, url, nil, &dict)
        if opened < 0 {
            // avformat_open_input frees the context on failure. A deadline that passed is a stall, whatever
            // code the protocol made of the interrupted read (RTSP reports "invalid data").
            let timedOut = interrupt.expired && stop?.isSet != true
            throw Self.openError(timedOut ? AVERROR_EXIT_VALUE : opened, url: url, subject: subject)
        }
        self.format = ctx
        do {
            try FFmpeg.check(avformat_find_stream_info(ctx, nil), "avformat_find_stream_info", subject: subject,
                             code: .corruptMedia, hint: "the file may be truncated or not a video")
            // Probing cut short by the deadline can still "succeed", leaving an RTSP session that then reads
            // as ended after the packets probed: a slow start is a failed start.
            if interrupt.expired { throw PlateWatchError(.sourceStalled, subject: subject, message: "opening took longer than \(openTimeout) s") }
            var decoder: UnsafePointer<AVCodec>?
            let index = av_find_best_stream(ctx, AVMEDIA_TYPE_VIDEO, -1, -1, &decoder, 0)
            try FFmpeg.check(index, "av_find_best_stream", subject: subject, code: .notMedia,
                             hint: "the input has no video stream PlateWatch can decode")
            guard let decoder, let stream = ctx?.pointee.streams[Int(index)] else {
                throw PlateWatchError(.notMedia, subject: subject, message: "no decodable video stream")
            }
            streamIndex = index
            let tb = stream.pointee.time_base
            timeBase = tb.den != 0 ? Double(tb.num) / Double(tb.den) : 0
            startSeconds = stream.pointee.start_time == pw_nopts_value() ? 0 : Double(stream.pointee.start_time) * timeBase
            let rate = stream.pointee.avg_frame_rate
            frameRate = rate.den > 0 && rate.num > 0 ? Double(rate.num) / Double(rate.den) : nil

            codec = avcodec_alloc_context3(decoder)
            guard let codec else { throw PlateWatchError(.internalFailure, subject: subject, message: "out of memory") }
            try FFmpeg.check(avcodec_parameters_to_context(codec, stream.pointee.codecpar),
                             "avcodec_parameters_to_context", subject: subject)
            codec.pointee.thread_count = Int32(threads)
            try FFmpeg.check(avcodec_open2(codec, decoder, nil), "avcodec_open2", subject: subject)
            width = Int(codec.pointee.width)
            height = Int(codec.pointee.height)
        } catch {
            Self.release(format: &format, codec: &codec, packet: packet, frame: frame)
            if interrupt.expired && stop?.isSet != true {
                // Connected and answered, but no stream data came to probe within the open timeout.
                throw Self.openError(AVERROR_EXIT_VALUE, url: url, subject: subject)
            }
            throw error
        }
        interrupt.disarm()
    }

    private static func openError(_ code: Int32, url: String, subject: String) -> PlateWatchError {
        let text = FFmpeg.errorText(code)
        if code == pw_averror(ENOENT) {
            return PlateWatchError(.fileNotFound, subject: subject, message: "no such file: \(url)", hint: "check the path")
        }
        if code == AVERROR_EXIT_VALUE {
            return PlateWatchError(.sourceStalled, subject: subject, message: "no answer from \(url) within the open timeout",
                                   hint: "the camera (or something at its address) accepts connections but does not stream")
        }
        if code == pw_averror(ETIMEDOUT) || code == pw_averror(ECONNREFUSED)
            || code == pw_averror(EHOSTUNREACH) || code == pw_averror(ENETUNREACH) || code == pw_averror(EIO) {
            return PlateWatchError(.sourceUnreachable, subject: subject, message: "cannot open \(url): \(text)",
                                   hint: "is the camera on and the address right?")
        }
        if url.contains("://") && !url.hasPrefix("file://") {
            return PlateWatchError(.sourceUnreachable, subject: subject, message: "cannot open \(url): \(text)",
                                   hint: "check the URL, the camera and the network")
        }
        return PlateWatchError(.notMedia, subject: subject, message: "cannot open as video or image: \(text)",
                               hint: "PlateWatch reads H.264/H.265/MJPEG video files, RTSP/HTTP streams, JPEG and PNG")
    }

    deinit {
        sws_freeContext(scaler)
        Self.release(format: &format, codec: &codec, packet: packet, frame: frame)
    }

    /// Frees what `init` allocates, from a failed `init` or from `deinit`.
    private static func release(format: inout UnsafeMutablePointer<AVFormatContext>?, codec: inout UnsafeMutablePointer<AVCodecContext>?,
                                packet: UnsafeMutablePointer<AVPacket>, frame: UnsafeMutablePointer<AVFrame>) {
        avcodec_free_context(&codec)
        avformat_close_input(&format)
        var p: UnsafeMutablePointer<AVPacket>? = packet
        av_packet_free(&p)
        var f: UnsafeMutablePointer<AVFrame>? = frame
        av_frame_free(&f)
    }

    /// The next decoded picture, or nil at the end of the stream.
    func next() throws -> DecodedPicture? {
        guard let codec, let format else { return nil }
        // Packets may keep coming (audio, broken video) with no picture: that is a stall too.
        let started = DispatchTime.now().uptimeNanoseconds
        while !finished {
            if Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9 > readTimeout {
                throw PlateWatchError(.sourceStalled, subject: subject, message: "no picture for \(readTimeout) s",
                                      hint: "the camera is connected but sends no decodable video")
            }
            let received = avcodec_receive_frame(codec, frame)
            if received == 0 {
                defer { av_frame_unref(frame) }
                return try picture()
            }
            if received == pw_averror_eof() {
                finished = true
                return nil
            }
            guard received == pw_averror_eagain() else {
                try FFmpeg.check(received, "avcodec_receive_frame", subject: subject, code: .corruptMedia)
                return nil
            }
            if draining {
                finished = true
                return nil
            }
            interrupt.arm(seconds: readTimeout)
            let read = av_read_frame(format, packet)
            interrupt.disarm()
            if read < 0 {
                if read == pw_averror_eof() || read == AVERROR_EOF_VALUE {
                    draining = true
                    _ = avcodec_send_packet(codec, nil)
                    continue
                }
                if read == AVERROR_EXIT_VALUE && interrupt.stop?.isSet != true {
                    throw PlateWatchError(.sourceStalled, subject: subject, message: "no data for \(readTimeout) s",
                                          hint: "the camera or the link stalled")
                }
                try FFmpeg.check(read, "av_read_frame", subject: subject, code: .sourceUnreachable,
                                 hint: "the stream stalled or ended abnormally")
            }
            defer { av_packet_unref(packet) }
            guard packet.pointee.stream_index == streamIndex else { continue }
            packetsRead += 1
            let sent = avcodec_send_packet(codec, packet)
            // A damaged packet costs one picture, not the stream: the decoder resyncs on the next key frame.
            if sent < 0 && sent != pw_averror_eagain() && sent != pw_averror(EINVAL) { continue }
        }
        return nil
    }

    private func picture() throws -> DecodedPicture {
        let w = Int(frame.pointee.width), h = Int(frame.pointee.height)
        let pts = frame.pointee.best_effort_timestamp
        let seconds: Double? = pts == pw_nopts_value() ? nil : Double(pts) * timeBase - startSeconds
        var pixels = [UInt8](repeating: 0, count: w * h)
        let fmt = AVPixelFormat(rawValue: frame.pointee.format)
        if Self.lumaFirstFormats.contains(fmt.rawValue), let plane = frame.pointee.data.0 {
            // Planar and semi-planar YUV keep luma in plane 0: copy its rows without conversion.
            let stride = Int(frame.pointee.linesize.0)
            pixels.withUnsafeMutableBufferPointer { out in
                for row in 0..<h {
                    (out.baseAddress! + row * w).update(from: plane + row * stride, count: w)
                }
            }
        } else {
            try scaleToGray(into: &pixels, width: w, height: h, format: fmt)
        }
        var senderTime: Double?
        if let format, format.pointee.start_time_realtime != pw_nopts_value(), let seconds {
            // start_time_realtime is the wall time of pts 0 (µs since 1970), once an RTCP report has come.
            senderTime = Double(format.pointee.start_time_realtime) / 1e6 + seconds + startSeconds
        }
        return DecodedPicture(luma: LumaImage(width: w, height: h, pixels: pixels), seconds: seconds, senderTime: senderTime)
    }

    private func scaleToGray(into pixels: inout [UInt8], width w: Int, height h: Int, format fmt: AVPixelFormat) throws {
        if scalerKey != (Int32(w), Int32(h), fmt.rawValue) {
            sws_freeContext(scaler)
            scaler = sws_getContext(Int32(w), Int32(h), fmt, Int32(w), Int32(h), AV_PIX_FMT_GRAY8, SWS_BILINEAR, nil, nil, nil)
            scalerKey = (Int32(w), Int32(h), fmt.rawValue)
        }
        guard let scaler else {
            throw PlateWatchError(.decoder, subject: subject, message: "cannot convert pixel format \(fmt.rawValue) to grey")
        }
        let src = withUnsafePointer(to: &frame.pointee.data) { $0.withMemoryRebound(to: UnsafePointer<UInt8>?.self, capacity: 8) { $0 } }
        let srcStride = withUnsafePointer(to: &frame.pointee.linesize) { $0.withMemoryRebound(to: Int32.self, capacity: 8) { $0 } }
        try pixels.withUnsafeMutableBufferPointer { out in
            var dst: UnsafeMutablePointer<UInt8>? = out.baseAddress
            var dstStride = Int32(w)
            let rows = sws_scale(scaler, src, srcStride, 0, Int32(h), &dst, &dstStride)
            try FFmpeg.check(rows, "sws_scale", subject: subject)
        }
    }

    private static let lumaFirstFormats: Set<Int32> = [
        AV_PIX_FMT_YUV420P, AV_PIX_FMT_YUVJ420P, AV_PIX_FMT_YUV422P, AV_PIX_FMT_YUVJ422P, AV_PIX_FMT_YUV444P,
        AV_PIX_FMT_YUVJ444P, AV_PIX_FMT_NV12, AV_PIX_FMT_NV21, AV_PIX_FMT_GRAY8, AV_PIX_FMT_YUV440P, AV_PIX_FMT_YUVJ440P,
    ].map(\.rawValue).reduce(into: Set<Int32>()) { $0.insert($1) }
}

// FFmpeg's error macros, as plain values (the shim covers the function-like ones).
private let AVERROR_EOF_VALUE: Int32 = pw_averror_eof()
private let AVERROR_EXIT_VALUE: Int32 = -0x5449_5845  // FFERRTAG('E','X','I','T'): the interrupt callback fired

/// Encodes plate crops as JPEG with FFmpeg's mjpeg encoder, for the `crop` of an event.
public enum JPEGEncoder {
    /// The picture as a baseline JPEG (grey: the pipeline keeps luma only) of at most `maxBytes`: the
    /// quantiser is raised step by step, and the picture halved if even the coarsest is too big.
    public static func encode(_ image: LumaImage, maxBytes: Int = 30_000) throws -> Data {
        guard image.width >= 2, image.height >= 2 else {
            throw PlateWatchError(.internalFailure, subject: "jpeg", message: "a \(image.width)×\(image.height) picture is too small to encode")
        }
        for quantiser in [3, 5, 8, 12, 18, 25, 31] {
            let data = try encode(image, quantiser: Int32(quantiser))
            if data.count <= maxBytes { return data }
        }
        return try encode(image.decimated(by: 2), maxBytes: maxBytes)
    }

    private static func encode(_ image: LumaImage, quantiser: Int32) throws -> Data {
        let subject = "jpeg"
        guard let encoder = avcodec_find_encoder(AV_CODEC_ID_MJPEG) else {
            throw PlateWatchError(.internalFailure, subject: subject, message: "this FFmpeg has no mjpeg encoder",
                                  hint: "install Debian's libavcodec (it includes mjpeg)")
        }
        var context = avcodec_alloc_context3(encoder)
        var frame = av_frame_alloc()
        var packet = av_packet_alloc()
        defer {
            avcodec_free_context(&context)
            av_frame_free(&frame)
            av_packet_free(&packet)
        }
        guard let context, let frame, let packet else {
            throw PlateWatchError(.internalFailure, subject: subject, message: "out of memory allocating the JPEG encoder")
        }
        context.pointee.width = Int32(image.width)
        context.pointee.height = Int32(image.height)
        context.pointee.pix_fmt = AV_PIX_FMT_YUVJ420P
        context.pointee.time_base = AVRational(num: 1, den: 25)
        context.pointee.flags |= Int32(AV_CODEC_FLAG_QSCALE)
        context.pointee.global_quality = Int32(FF_QP2LAMBDA) * quantiser
        try FFmpeg.check(avcodec_open2(context, encoder, nil), "avcodec_open2(mjpeg)", subject: subject)

        frame.pointee.width = context.pointee.width
        frame.pointee.height = context.pointee.height
        frame.pointee.format = AV_PIX_FMT_YUVJ420P.rawValue
        frame.pointee.quality = context.pointee.global_quality
        frame.pointee.pts = 0
        try FFmpeg.check(av_frame_get_buffer(frame, 0), "av_frame_get_buffer", subject: subject)
        let (w, h) = (image.width, image.height)
        let luma = frame.pointee.data.0!, lumaStride = Int(frame.pointee.linesize.0)
        image.pixels.withUnsafeBufferPointer { src in
            for y in 0..<h { (luma + y * lumaStride).update(from: src.baseAddress! + y * w, count: w) }
        }
        // Neutral chroma: a grey picture.
        let chromaRows = (h + 1) / 2
        for plane in [(frame.pointee.data.1!, frame.pointee.linesize.1), (frame.pointee.data.2!, frame.pointee.linesize.2)] {
            plane.0.update(repeating: 128, count: Int(plane.1) * chromaRows)
        }
        try FFmpeg.check(avcodec_send_frame(context, frame), "avcodec_send_frame(mjpeg)", subject: subject)
        try FFmpeg.check(avcodec_receive_packet(context, packet), "avcodec_receive_packet(mjpeg)", subject: subject)
        defer { av_packet_unref(packet) }
        return Data(bytes: packet.pointee.data, count: Int(packet.pointee.size))
    }
}

/// The FFmpeg libraries linked, for `platewatch doctor`.
public enum FFmpegLibraries {
    public static var versions: String {
        func text(_ v: UInt32) -> String { "\(v >> 16).\((v >> 8) & 0xFF).\(v & 0xFF)" }
        return "libavformat \(text(avformat_version())), libavcodec \(text(avcodec_version())), libswscale \(text(swscale_version()))"
    }

    /// Whether this build of libavcodec can decode H.264 and H.265 and encode the JPEG crops.
    public static var missingCodecs: [String] {
        var missing: [String] = []
        if avcodec_find_decoder(AV_CODEC_ID_H264) == nil { missing.append("H.264 decoder") }
        if avcodec_find_decoder(AV_CODEC_ID_HEVC) == nil { missing.append("H.265 decoder") }
        if avcodec_find_encoder(AV_CODEC_ID_MJPEG) == nil { missing.append("MJPEG encoder") }
        return missing
    }
}
