import Foundation
import Ingest
import PlateWatchCore
import Testing
import TestSupport

/// Event crops: FFmpeg's mjpeg encoder, read back with FFmpeg's decoder.
@Suite struct JPEGEncoderTests {
    func roundTrip(_ image: LumaImage) throws -> (Data, LumaImage) {
        let jpeg = try JPEGEncoder.encode(image)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("pw-\(UUID().uuidString).jpg")
        defer { try? FileManager.default.removeItem(at: file) }
        try jpeg.write(to: file)
        let decoded = try #require(try MediaReader(url: file.path, camera: "jpeg").next()).luma
        return (jpeg, decoded)
    }

    @Test func aPlateCropEncodesSmallAndDecodesClose() throws {
        let (frame, vehicle, index) = try #require(try Footage.readableFrames(count: 1).first)
        let box = try #require(vehicle.box(at: index))
        let plate = frame.cropped(to: box.insetBy(dx: -20, dy: -20).clipped(width: frame.width, height: frame.height))
        let (jpeg, decoded) = try roundTrip(plate)
        #expect(jpeg.starts(with: [0xFF, 0xD8]) && jpeg.suffix(2) == Data([0xFF, 0xD9]))
        #expect(jpeg.count <= 30_000)
        #expect(decoded.width == plate.width && decoded.height == plate.height)
        let error = zip(decoded.pixels, plate.pixels).map { abs(Int($0) - Int($1)) }.reduce(0, +) / plate.pixels.count
        #expect(error <= 4, "mean error \(error) grey levels")
    }

    @Test func aPictureTooBigForTheCapIsShrunkToFit() throws {
        // Noise does not compress: 1200×800 of it is far over 30 KB at any quantiser.
        var generator = SystemRandomNumberGenerator()
        let noise = LumaImage(width: 1200, height: 800, pixels: (0..<960_000).map { _ in UInt8.random(in: 0...255, using: &generator) })
        let (jpeg, decoded) = try roundTrip(noise)
        #expect(jpeg.count <= 30_000)
        #expect(decoded.width < 1200)
    }

    @Test func aDegeneratePictureIsATypedError() {
        #expect(throws: PlateWatchError.self) { try JPEGEncoder.encode(LumaImage(width: 1, height: 1)) }
    }
}
