import AsyncHTTPClient
import Foundation
import NIOCore
import PlateWatchCore

/// One camera as the Cameras page shows it.
public struct CameraStatus: Codable, Sendable, Equatable {
    public var id: String
    public var group: String
    public var role: String
    public var yard: String?
    /// The source's state (`streaming`, `backing-off`, …), or `unknown` when the pipeline cannot be asked.
    public var state: String
    public var fps: Double?
    public var lastFrame: Date?
    public var reconnects: Int?
    public var lastEvent: Date?
    public var thumbnailURL: String?

    public init(id: String, group: String, role: String, yard: String?, state: String, fps: Double? = nil, lastFrame: Date? = nil,
                reconnects: Int? = nil, lastEvent: Date? = nil, thumbnailURL: String? = nil) {
        self.id = id
        self.group = group
        self.role = role
        self.yard = yard
        self.state = state
        self.fps = fps
        self.lastFrame = lastFrame
        self.reconnects = reconnects
        self.lastEvent = lastEvent
        self.thumbnailURL = thumbnailURL
    }

    enum CodingKeys: String, CodingKey {
        case id, group, role, yard, state, fps, reconnects
        case lastFrame = "last_frame", lastEvent = "last_event", thumbnailURL = "thumbnail_url"
    }
}

/// Where the desk learns how the cameras are: the pipeline in this process, or the management listener of
/// the `platewatch run` that shares the config.
public protocol CameraStatusSource: Sendable {
    func cameras() async -> [CameraStatus]
    func thumbnail(_ camera: String) async -> Data?
}

/// In the same process as the pipeline: asks it directly.
public struct InProcessCameraStatus: CameraStatusSource {
    let list: @Sendable () -> [CameraStatus]
    let picture: @Sendable (String) -> Data?

    public init(list: @escaping @Sendable () -> [CameraStatus], picture: @escaping @Sendable (String) -> Data?) {
        self.list = list
        self.picture = picture
    }

    public func cameras() async -> [CameraStatus] { list() }
    public func thumbnail(_ camera: String) async -> Data? { picture(camera) }
}

/// A desk started on its own (`platewatch desk`): asks the running pipeline's management listener
/// (`/cameras`, `/cameras/<id>/thumbnail.jpg`); when it does not answer, lists the configured cameras as
/// `unknown` rather than failing the page.
public struct ManagementCameraStatus: CameraStatusSource {
    let base: String?
    let configured: [CameraConfig]

    public init(management: ManagementSettings, cameras: [CameraConfig]) {
        base = management.hostAndPort.map { "http://\($0.host):\($0.port)" }
        configured = cameras
    }

    public func cameras() async -> [CameraStatus] {
        if let data = await fetch("/cameras"), let list = try? DeskJSON.decoder.decode([CameraStatus].self, from: data) { return list }
        return configured.map { CameraStatus(id: $0.id, group: $0.group, role: $0.role.rawValue, yard: $0.yard, state: "unknown") }
    }

    public func thumbnail(_ camera: String) async -> Data? {
        guard let escaped = camera.addingPercentEncoding(withAllowedCharacters: .alphanumerics) else { return nil }
        return await fetch("/cameras/\(escaped)/thumbnail.jpg")
    }

    private func fetch(_ path: String) async -> Data? {
        guard let base else { return nil }
        do {
            let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: base + path), timeout: .seconds(2))
            guard response.status == .ok else { return nil }
            return Data(try await response.body.collect(upTo: 4 << 20).readableBytesView)
        } catch {
            return nil
        }
    }
}
