import ArgumentParser
import Delivery
import Foundation
import PlateWatchCore

/// `platewatch outbox status|replay`: what the sinks still owe, and sending again.
struct OutboxCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outbox", abstract: "Show or replay the event store's deliveries.",
        subcommands: [Status.self, Replay.self])

    struct Options: ParsableArguments {
        @Option(name: .long, help: "YAML config file (its `store`).") var config: String?
        @Option(name: .long, help: "The store file itself, instead of a config.") var store: String?

        func open() throws -> Outbox {
            let path: String
            if let store {
                path = store
            } else if let config {
                path = try ConfigLoader.load(path: config).store
            } else {
                path = "./var/platewatch.sqlite"
            }
            guard FileManager.default.fileExists(atPath: path) else {
                throw PlateWatchError(.fileNotFound, subject: path, message: "no event store here",
                                      hint: "pass --config with the site's config, or --store with the file")
            }
            return try Outbox(path: path)
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Backlog per sink, oldest undelivered age, dead letters.")
        @OptionGroup var options: Options
        @Flag(name: .long, help: "List the dead letters too.") var deadLetters = false

        func run() throws {
            do {
                let outbox = try options.open()
                print("store \(outbox.path): \(try outbox.count()) events, \(outbox.sizeOnDisk() / 1024) KiB")
                let rows = try outbox.status()
                if rows.isEmpty { print("no sink has taken events from this store yet") }
                for row in rows {
                    let age = row.oldestUndeliveredSeconds.map { String(format: "oldest waiting %.0f s", $0) } ?? "nothing waiting"
                    print("\(row.sink): backlog \(row.backlog), \(age), \(row.deadLetters) dead letter(s), cursor \(row.cursor)")
                }
                if deadLetters {
                    for dead in try outbox.deadLetters() {
                        print("dead letter \(dead.sink) #\(dead.sequence) \(dead.id) at \(RFC3339.string(from: dead.at)): \(dead.reason)")
                    }
                }
            } catch { throw Setup.fail(error) }
        }
    }

    struct Replay: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Send a sink every event stored since a time again (on its next run).")
        @OptionGroup var options: Options
        @Option(name: .long, help: "The sink, as `outbox status` names it (e.g. webhook:https://…).") var sink: String
        @Option(name: .long, help: "RFC 3339 time (2026-11-25T06:00:00.000Z), or an age: 90m, 6h, 2d.") var since: String

        func run() throws {
            do {
                guard let date = Self.parse(since) else {
                    throw PlateWatchError(.config, subject: since, message: "not a time", hint: "use 2026-11-25T06:00:00.000Z, or 90m, 6h, 2d")
                }
                let count = try options.open().replay(sink: sink, since: date)
                print("\(sink): \(count) event(s) since \(RFC3339.string(from: date)) will be sent again")
            } catch { throw Setup.fail(error) }
        }

        static func parse(_ text: String) -> Date? {
            if let date = RFC3339.date(from: text) { return date }
            let units: [Character: Double] = ["m": 60, "h": 3600, "d": 86400]
            guard let unit = text.last.flatMap({ units[$0] }), let n = Double(text.dropLast()), n >= 0 else { return nil }
            return Date().addingTimeInterval(-n * unit)
        }
    }
}
