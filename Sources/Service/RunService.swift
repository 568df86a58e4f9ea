import Foundation
import Delivery
import Desk
import Logging
import Metrics
import Pipeline
import PlateWatchCore
import Prometheus
import ServiceLifecycle
import UnixSignals

/// `platewatch run` as a service: the pipeline and the management listener in one service group that
/// SIGTERM and SIGINT shut down gracefully (cameras stop, frames in flight finish, open tracks publish, sinks
/// get `outbox.flush_timeout` to catch up), within `shutdown_grace`.
public enum RunService {
    /// Metrics go to one Prometheus registry, exposed at `/metrics`. Once per process, before any metric exists.
    public static func bootstrapMetrics() -> PrometheusCollectorRegistry {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }

    /// - Parameter configPath: the file SIGHUP re-reads (cameras and sinks); nil when the config is built in.
    public static func run(config: Config, configPath: String?, logger: Logger, registry: PrometheusCollectorRegistry) async throws -> RunSummary {
        var limits = RunHealth.Limits()
        limits.unreadyAfter = config.management.unreadyAfter
        limits.sinkLagMax = config.management.sinkLagMax
        let health = RunHealth(limits: limits)
        let runner = PipelineRunner(config: config, logger: logger, health: health)
        let pipeline = PipelineService(runner: runner)
        var services = [ServiceGroupConfiguration.ServiceConfiguration(service: pipeline, successTerminationBehavior: .gracefullyShutdownGroup,
                                                                       serviceName: "pipeline")]
        let cameras = Locked(config.cameras)
        let board = CameraBoard(health: health) { cameras.value }
        if let (host, port) = config.management.hostAndPort {
            let server = ManagementServer(host: host, port: port, logger: logger) { path in
                routes(path, health: health, registry: registry, board: board)
            }
            services.append(.init(service: server, serviceName: "management"))
        }
        if let settings = config.desk {
            let desk = try await DeskService.make(config: config, settings: settings, outbox: try Outbox(path: config.store),
                                                  cameras: InProcessCameraStatus(list: { board.cameras() }, picture: board.thumbnail),
                                                  logger: logger, announce: { FileHandle.standardOutput.write(Data(($0 + "\n").utf8)) }) { port in
                logger.notice("desk listening", metadata: ["url": "http://\(settings.hostAndPort?.host ?? "127.0.0.1"):\(port)/"])
            }
            // Like the management listener: a desk that cannot listen (port taken) is logged by the group and
            // left out; the barrier's plates matter more.
            services.append(.init(service: desk, successTerminationBehavior: .ignore, failureTerminationBehavior: .ignore, serviceName: "desk"))
        }
        services.append(.init(service: ReloadService(configPath: configPath, control: runner.control, logger: logger) { next in
            cameras.value = next.cameras
        }, serviceName: "reload"))
        var groupConfig = ServiceGroupConfiguration(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        groupConfig.maximumGracefulShutdownDuration = .milliseconds(Int64(config.shutdownGrace * 1000))
        try await ServiceGroup(configuration: groupConfig).run()
        guard let summary = pipeline.summary else {
            throw PlateWatchError(.internalFailure, subject: "run", message: "the pipeline ended without a summary")
        }
        return summary
    }

    static func routes(_ path: String, health: RunHealth, registry: PrometheusCollectorRegistry, board: CameraBoard) -> ManagementServer.Response {
        if path.hasPrefix("/cameras/"), path.hasSuffix("/thumbnail.jpg") {
            let id = String(path.dropFirst("/cameras/".count).dropLast("/thumbnail.jpg".count)).removingPercentEncoding ?? ""
            guard let jpeg = board.thumbnail(id) else { return .init(.notFound, "no picture from camera \(id) yet\n") }
            return .init(.ok, bytes: Array(jpeg), contentType: "image/jpeg")
        }
        switch path {
        case "/cameras":
            let body = (try? PlateEvent.makeEncoder().encode(board.cameras())).map { Array($0) } ?? Array("[]".utf8)
            return .init(.ok, bytes: body, contentType: "application/json")
        case "/metrics":
            health.updateStoreGauges()
            return .init(.ok, registry.emitToString(), contentType: "text/plain; version=0.0.4; charset=utf-8")
        case "/healthz":
            return .init(.ok, "ok\n")
        case "/readyz":
            let readiness = health.readiness()
            return .init(readiness.ready ? .ok : .serviceUnavailable,
                         (readiness.ready ? "ready\n" : "not ready\n") + readiness.lines.joined(separator: "\n") + "\n")
        default:
            return .init(.notFound, "not found: /metrics, /healthz, /readyz, /cameras\n")
        }
    }
}

/// The pipeline as a `Service`: a graceful shutdown cancels the run, which ends it cleanly.
final class PipelineService: Service, @unchecked Sendable {
    let runner: PipelineRunner
    private let lock = NSLock()
    private var result: RunSummary?

    init(runner: PipelineRunner) { self.runner = runner }

    var summary: RunSummary? { lock.withLock { result } }

    func run() async throws {
        let summary = try await cancelWhenGracefulShutdown { try await self.runner.run() }
        lock.withLock { result = summary }
    }
}

/// SIGHUP: re-reads the config file and applies its camera list and sinks to the running pipeline. A file
/// that does not validate changes nothing (the error is logged, the box goes on as it was).
final class ReloadService: Service {
    let configPath: String?
    let control: RunControl
    let logger: Logger
    let applied: @Sendable (Config) -> Void

    init(configPath: String?, control: RunControl, logger: Logger, applied: @escaping @Sendable (Config) -> Void = { _ in }) {
        self.configPath = configPath
        self.control = control
        self.logger = logger
        self.applied = applied
    }

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        await cancelWhenGracefulShutdown {
            for await _ in signals {
                guard let path = self.configPath else {
                    self.logger.warning("SIGHUP: no config file to reload (built-in demo config)")
                    continue
                }
                do {
                    let config = try ConfigLoader.load(path: path)
                    self.logger.notice("SIGHUP: reloading cameras and sinks", metadata: ["config": "\(path)"])
                    try await self.control.reload(config)
                    self.applied(config)
                } catch {
                    self.logger.error("SIGHUP: config not reloaded; running as before", metadata: ["error": "\(error)"])
                }
            }
        }
    }
}

