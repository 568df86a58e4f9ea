import ArgumentParser
import Delivery
import Desk
import Foundation
import Logging
import Pipeline
import PlateWatchCore
import Service
import ServiceLifecycle

/// `platewatch desk`: the border guard's desk on its own, beside a `platewatch run` that shares the config
/// (the outbox file, and the management listener for the cameras' state).
struct DeskCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "desk",
        abstract: "Serve the desk web app: live plates, search, watchlist alerts, corrections, journeys, yards.")

    @Option(name: .long, help: "YAML config file: its store (the outbox), desk and management sections.") var config: String?
    @Option(name: .long, help: "Listen on this port instead of desk.listen's (0: any free port).") var port: Int?
    @Flag(name: .long, help: "Log at debug level.") var verbose = false

    func run() async throws {
        let cfg: Config
        do { cfg = try config.map(ConfigLoader.load(path:)) ?? Config.builtInDemo(footage: "testvideos") } catch {
            _ = Setup.logger(verbose: verbose)
            throw Setup.fail(error)
        }
        PlateWatchLogHandler.bootstrap(cfg.logging, verbose: verbose)
        let logger = Logger(label: "platewatch.desk")
        var settings = cfg.desk ?? DeskSettings()
        if let port, let (host, _) = settings.hostAndPort { settings.listen = "\(host):\(port)" }
        let host = settings.hostAndPort?.host ?? "127.0.0.1"
        // Straight to the file descriptor: a supervisor or test reading a pipe sees each line at once.
        let say: @Sendable (String) -> Void = { FileHandle.standardOutput.write(Data(($0 + "\n").utf8)) }
        do {
            let outbox = try Outbox(path: cfg.store)
            // A central desk (events from JetStream) has no pipeline beside it to deliver its corrections:
            // it sends them to the config's sinks itself. Next to a `platewatch run`, that process does.
            var publisher: EventPublisher?
            if settings.nats != nil, !cfg.sinks.isEmpty {
                publisher = EventPublisher(outbox: outbox, sinks: try PipelineRunner.makeSinks(cfg.sinks, site: cfg.site), logger: logger,
                                           settings: cfg.delivery)
                try await publisher?.start()
            }
            let desk = try await DeskService.make(
                config: cfg, settings: settings, outbox: outbox,
                cameras: ManagementCameraStatus(management: cfg.management, cameras: cfg.cameras), logger: logger,
                announce: say
            ) { bound in
                say("desk ready on port \(bound) — open http://\(host):\(bound)/ and sign in")
            }
            var group = ServiceGroupConfiguration(services: [desk], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
            group.maximumGracefulShutdownDuration = .seconds(10)
            try await ServiceGroup(configuration: group).run()
            if let publisher { _ = await publisher.finish(timeout: cfg.delivery.flushTimeout) }
        } catch {
            throw Setup.fail(error)
        }
    }
}
