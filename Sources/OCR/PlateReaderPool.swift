import Foundation
import PlateWatchCore

/// A fixed set of plate readers that camera threads borrow one read at a time.
///
/// Tesseract engines are big (≈ 6 MB for `eng`, ≈ 45 MB for `chi_sim`, each) and a TessBaseAPI must be
/// used by one thread at a time; with more cameras than cores, more engines than cores buy nothing.
/// A read borrows a reader, so contention is per plate candidate, never per pixel.
public final class PlateReaderPool: @unchecked Sendable {
    private let available: DispatchSemaphore
    private let lock = NSLock()
    private var free: [PlateReader]
    public let size: Int

    /// Creates every reader now, so a missing model fails at start and not at the first plate.
    public init(size: Int, settings: OCRSettings) throws {
        precondition(size >= 1, "a pool needs at least one reader")
        let provinces = ProvinceReader(tessdata: settings.tessdata)
        free = try (0..<size).map { _ in try PlateReader(settings: settings, provinces: provinces) }
        self.size = size
        available = DispatchSemaphore(value: size)
    }

    /// Readers for a box: one per core, and no more than there are cameras.
    public static func sized(cameras: Int, settings: OCRSettings) throws -> PlateReaderPool {
        try PlateReaderPool(size: max(1, min(cameras, ProcessInfo.processInfo.activeProcessorCount)), settings: settings)
    }

    public func withReader<T>(_ body: (PlateReader) throws -> T) rethrows -> T {
        available.wait()
        let reader = lock.withLock { free.removeLast() }
        defer {
            lock.withLock { free.append(reader) }
            available.signal()
        }
        return try body(reader)
    }
}
