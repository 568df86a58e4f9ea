import Delivery
import Foundation
import Hummingbird
import Logging
import PlateWatchCore
import ServiceLifecycle

/// The desk as a service: the web server and the outbox feed, together. In `platewatch run` it joins the
/// pipeline's service group; `platewatch desk` runs it alone. A graceful shutdown ends the live streams first,
/// so open Live pages do not hold the server up.
public final class DeskService: Service, Sendable {
    public let server: DeskServer
    public let feed: DeskFeed
    let onRunning: @Sendable (Int) async -> Void

    /// Opens the desk's store, makes the first admin if there is no user (printing a one-time password when
    /// none was given), and wires the feed from `outbox`.
    public static func make(config: Config, settings: DeskSettings, outbox: Outbox, cameras: any CameraStatusSource, logger: Logger,
                            announce: @escaping @Sendable (String) -> Void,
                            onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws -> DeskService {
        let store = try await SQLDeskStore.open(settings.store, logger: logger)
        let hub = LiveHub()
        let server = try DeskServer(settings: settings, site: config.site, store: store, outbox: outbox, hub: hub, cameras: cameras,
                                    logger: logger)
        if let password = try await server.auth.bootstrapAdmin() {
            announce("desk: first start — user admin, one-time password \(password) (sign in and change it on the Account page)")
        }
        let feed = DeskFeed(source: settings.nats.map { .nats(NATSEventSource(config: $0)) } ?? .outbox(outbox), store: store, hub: hub,
                            logger: logger)
        return DeskService(server: server, feed: feed, onRunning: onRunning)
    }

    init(server: DeskServer, feed: DeskFeed, onRunning: @escaping @Sendable (Int) async -> Void) {
        self.server = server
        self.feed = feed
        self.onRunning = onRunning
    }

    public func run() async throws {
        let app = try server.application(onRunning: onRunning)
        let hub = server.hub
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await self.feed.run() }
            try await withGracefulShutdownHandler {
                try await app.run()
            } onGracefulShutdown: {
                hub.close()
            }
            group.cancelAll()
        }
    }
}
