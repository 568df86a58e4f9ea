import Desk
import Foundation
import Ingest
import Pipeline
import PlateWatchCore

/// The cameras as the desk shows them, from the running pipeline: state, frame rate over the last look,
/// last frame, reconnects, and a recent picture as JPEG.
final class CameraBoard: @unchecked Sendable {
    private let health: RunHealth
    private let configured: @Sendable () -> [CameraConfig]
    private let lock = NSLock()
    private var previous: [String: (frames: Int, at: Date)] = [:]
    private var rates: [String: Double] = [:]

    init(health: RunHealth, cameras: @escaping @Sendable () -> [CameraConfig]) {
        self.health = health
        configured = cameras
    }

    func cameras(now: Date = Date()) -> [CameraStatus] {
        let stats = Dictionary(health.cameras.map { ($0.id, $0.stats) }, uniquingKeysWith: { a, _ in a })
        return configured().map { camera in
            let s = stats[camera.id]
            return CameraStatus(id: camera.id, group: camera.group, role: camera.role.rawValue, yard: camera.yard,
                                state: s?.state.rawValue ?? "stopped", fps: s.map { rate(camera.id, frames: $0.framesDecoded, now: now) },
                                lastFrame: s?.lastFrame, reconnects: s?.reconnects,
                                thumbnailURL: s?.lastFrame == nil ? nil : "/api/cameras/\(camera.id)/thumbnail.jpg")
        }
    }

    func thumbnail(_ camera: String) -> Data? {
        health.thumbnail(camera).flatMap { try? JPEGEncoder.encode($0, maxBytes: 60_000) }
    }

    /// Frames per second since the previous look at least a second ago (pages refresh every few seconds).
    private func rate(_ id: String, frames: Int, now: Date) -> Double {
        lock.withLock {
            if let last = previous[id] {
                let dt = now.timeIntervalSince(last.at)
                guard dt >= 1 else { return rates[id] ?? 0 }
                rates[id] = max(0, Double(frames - last.frames) / dt)
            }
            previous[id] = (frames, now)
            return rates[id] ?? 0
        }
    }
}
