import Foundation
import Ingest
import PlateWatchCore
import Testing
import TestSupport

@Suite struct MediaReaderTests {
    @Test func decodesEveryFrameWithMediaTime() throws {
        let (video, truth) = try #require(try Footage.clips().first)
        let reader = try MediaReader(url: video.path, camera: "cam")
        #expect(reader.width == truth.width && reader.height == truth.height)
        var count = 0
        var last = -1.0
        while let frame = try reader.next() {
            #expect(frame.index == count)
            #expect(frame.mediaTime.seconds > last)
            #expect(abs(frame.mediaTime.seconds - Double(count) / truth.fps) < 0.002, "pts × time_base, from 0")
            #expect(frame.luma.width == truth.width)
            last = frame.mediaTime.seconds
            count += 1
        }
        let lastReadable = truth.vehicles.map(\.lastFrame).max() ?? 0
        #expect(count > lastReadable)
    }

    @Test func missingFileIsATypedError() {
        let error = #expect(throws: PlateWatchError.self) { try MediaReader(url: "/nonexistent/clip.mp4", camera: "cam7") }
        #expect(error?.code == .fileNotFound)
        #expect(error?.description.hasPrefix("cam7:") == true)
    }

    @Test func randomBytesAreNotMedia() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("random-\(UUID().uuidString).mp4").path
        var rng = SystemRandomNumberGenerator()
        FileManager.default.createFile(atPath: path, contents: Data((0..<50_000).map { _ in UInt8.random(in: 0...255, using: &rng) }))
        let error = #expect(throws: PlateWatchError.self) { try MediaReader(url: path, camera: "cam") }
        #expect(error?.code == .notMedia)
    }

    @Test func truncatedMP4IsATypedErrorNotACrash() throws {
        let (video, _) = try #require(try Footage.clips().first)
        let data = try Data(contentsOf: video)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("cut-\(UUID().uuidString).mp4").path
        // faststart puts the index first: cutting the tail leaves a valid header and missing samples.
        for keep in [data.count / 2, 2_000] {
            FileManager.default.createFile(atPath: path, contents: data.prefix(keep))
            do {
                let reader = try MediaReader(url: path, camera: "cam")
                while try reader.next() != nil {}
            } catch let error as PlateWatchError {
                #expect([.corruptMedia, .notMedia, .decoder].contains(error.code), "\(error)")
            }
        }
    }

    @Test func folderIsNotMedia() {
        let error = #expect(throws: PlateWatchError.self) { try MediaReader(url: NSTemporaryDirectory(), camera: "cam") }
        #expect(error?.code == .notMedia)
    }

    @Test func refusedRTSPIsUnreachable() {
        // Port 9 (discard) on loopback is closed on a test box: the connect is refused at once.
        let error = #expect(throws: PlateWatchError.self) {
            try MediaReader(url: "rtsp://127.0.0.1:9/none", camera: "cam", openTimeout: 3)
        }
        #expect(error?.code == .sourceUnreachable)
    }
}
