import Foundation
import Logging
import Metrics
import Pipeline
import PlateWatchCore
import Prometheus
import ServiceLifecycle

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

    public static func run(config: Config, logger: Logger, registry: PrometheusCollectorRegistry) async throws -> RunSummary {
        var limits = RunHealth.Limits()
        limits.unreadyAfter = config.management.unreadyAfter
        limits.sinkLagMax = config.management.sinkLagMax
        let health = RunHealth(limits: limits)
        let pipeline = PipelineService(runner: PipelineRunner(config: config, logger: logger, health: health))
        var services = [ServiceGroupConfiguration.ServiceConfiguration(service: pipeline, successTerminationBehavior: .gracefullyShutdownGroup,
                                                                       serviceName: "pipeline")]
        if let (host, port) = config.management.hostAndPort {
            let server = ManagementServer(host: host, port: port, logger: logger) { path in routes(path, health: health, registry: registry) }
            services.append(.init(service: server, serviceName: "management"))
        }
        var groupConfig = ServiceGroupConfiguration(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        groupConfig.maximumGracefulShutdownDuration = .milliseconds(Int64(config.shutdownGrace * 1000))
        try await ServiceGroup(configuration: groupConfig).run()
        guard let summary = pipeline.summary else {
            throw PlateWatchError(.internalFailure, subject: "run", message: "the pipeline ended without a summary")
        }
        return summary
    }

    static func routes(_ path: String, health: RunHealth, registry: PrometheusCollectorRegistry) -> ManagementServer.Response {
        switch path {
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
            return .init(.notFound, "not found: /metrics, /healthz, /readyz\n")
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
