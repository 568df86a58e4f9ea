import ArgumentParser
import Foundation
import Logging
import Ingest
import OCR
import Pipeline
import PlateWatchCore
import Service
import Vision

@main
struct PlateWatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "platewatch",
        abstract: "Edge licence-plate reader: cameras in, one plate event per vehicle out.",
        subcommands: [Run.self, Read.self, Probe.self, BenchCommand.self, ValidateConfig.self, CutLines.self, OutboxCommand.self, DoctorCommand.self, DeskCommand.self])

    static func main() async {
        TesseractRuntime.ensureSingleThreadedOpenMP()
        await main(nil)
    }
}

/// Shared by subcommands: logs to stderr so stdout stays machine-readable.
enum Setup {
    static func logger(verbose: Bool) -> Logger {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = verbose ? .debug : .notice
            return handler
        }
        return Logger(label: "platewatch")
    }

    static func fail(_ error: Error) -> ExitCode {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        return ExitCode(2)
    }
}

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the pipeline for every camera in a config file.")

    @Option(name: .long, help: "YAML config file. Without it: every clip in testvideos/ is a camera, events go to ./var/events.jsonl.")
    var config: String?
    @Option(name: .long, help: "OCR model: eng, a name in tessdata, or a .traineddata path (overrides ocr.model).")
    var ocrModel: String?
    @Flag(name: .long, help: "Also print each event on stdout.") var print = false
    @Flag(name: .long, help: "Log at debug level.") var verbose = false

    func run() async throws {
        var cfg: Config
        do { cfg = try config.map(ConfigLoader.load(path:)) ?? Config.builtInDemo(footage: "testvideos") } catch {
            _ = Setup.logger(verbose: verbose)
            throw Setup.fail(error)
        }
        guard !cfg.cameras.isEmpty else {
            _ = Setup.logger(verbose: verbose)
            throw Setup.fail(PlateWatchError(.config, subject: config ?? "config", message: "no cameras to run",
                                             hint: "a config without cameras is a central desk's: start it with `platewatch desk --config`"))
        }
        PlateWatchLogHandler.bootstrap(cfg.logging, verbose: verbose)
        let logger = Logger(label: "platewatch")
        let registry = RunService.bootstrapMetrics()
        if let ocrModel { cfg.ocr.model = ocrModel }
        if print && !cfg.sinks.contains(.stdout) { cfg.sinks.append(.stdout) }
        let summary: RunSummary
        do { summary = try await RunService.run(config: cfg, configPath: config, logger: logger, registry: registry) } catch { throw Setup.fail(error) }
        for camera in summary.cameras {
            let status = camera.error.map { "FAILED: \($0)" } ?? "ok"
            FileHandle.standardError.write(Data(
                "camera \(camera.camera): \(camera.frames) frames, \(camera.events) events, \(String(format: "%.1f", camera.seconds)) s — \(status)\n".utf8))
        }
        if !summary.failed.isEmpty { throw ExitCode(1) }
    }
}

struct Read: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Read the plates in image or video files.")

    @Argument(help: "JPEG/PNG images or video files.") var files: [String]
    @Flag(name: .long, help: "One JSON object per file.") var json = false
    @Option(name: .long, help: "OCR model: plate (PlateWatch's own), eng, a name in tessdata, or a .traineddata path.") var ocrModel: String = "plate"
    @Option(name: .long, help: "Second OCR model for lines the first reads as no plate or unsure, or none.") var fallbackModel: String?
    @Option(name: .long, help: "Second OCR model for a crop or photo whose reads disagree: it reads it too and its reads vote (default plate-b beside the plate model), or none.") var voteModel: String?
    @Option(name: .long, help: "Agreeing frame reads a video plate needs.") var minVotes: Int = 1
    @Option(name: .long, help: "Plate grammars, comma-separated: vn, cn, generic.") var regions: String = "vn,cn"
    @Flag(name: .long, help: "Print the time spent per stage on stderr.") var timings = false
    @Flag(name: .long, help: "Each picture is one plate cut to its text: read it whole, do not look for plates in it.") var crop = false
    @Flag(name: .long, help: "Look for close-up plates too (wider than about 240 px), as a camera with close_up: true.") var closeUp = false

    func run() async throws {
        _ = Setup.logger(verbose: false)
        var ocr = OCRSettings()
        ocr.model = ocrModel
        ocr.setSecondModels(fallback: fallbackModel, vote: voteModel)
        do { ocr.regions = try RegionList.parse(regions) } catch { throw Setup.fail(error) }
        var tracking = TrackingSettings()
        tracking.minVotes = minVotes
        var failures = 0
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let analyzer: FrameAnalyzer
        do {
            analyzer = try FrameAnalyzer(ocr: ocr, tracking: tracking, locator: PlateLocator(settings: .init(closeUp: closeUp)))
        } catch { throw Setup.fail(error) }
        for file in files {
            do {
                let (before, framesBefore, readsBefore) = (analyzer.stageSeconds, analyzer.framesAnalysed, analyzer.readsMade)
                let readout = try FileReadout.read(path: file, analyzer: analyzer, crop: crop)
                if timings {
                    let t = analyzer.stageSeconds, frames = analyzer.framesAnalysed - framesBefore, n = Double(max(1, frames))
                    FileHandle.standardError.write(Data(String(
                        format: "%@: %d frames; per frame: locate %.1f ms, OCR %.1f ms, track %.2f ms; %d reads\n",
                        file, frames, (t.locate - before.locate) / n * 1e3, (t.ocr - before.ocr) / n * 1e3,
                        (t.track - before.track) / n * 1e3, analyzer.readsMade - readsBefore).utf8))
                }
                if json {
                    Swift.print(String(decoding: try encoder.encode(readout), as: UTF8.self))
                } else {
                    let plates = readout.plates.map { "\($0.display) (\($0.format.rawValue), \(String(format: "%.2f", $0.confidence)))" }
                    Swift.print("\(file): \(plates.isEmpty ? "no plate" : plates.joined(separator: ", "))  [\(readout.ms) ms]")
                }
            } catch {
                failures += 1
                FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            }
        }
        if failures > 0 { throw ExitCode(2) }
    }
}

struct ValidateConfig: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "validate-config", abstract: "Check a config file and explain any error.")

    @Argument(help: "YAML config file.") var file: String

    func run() throws {
        do {
            let config = try ConfigLoader.load(path: file)
            Swift.print("\(file): ok — site \(config.site), \(config.cameras.count) camera(s), \(config.sinks.count) sink(s)")
        } catch {
            throw Setup.fail(error)
        }
    }
}

struct Probe: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Decode files or streams without analysis: frames, size, rate, decode speed.")

    @Argument(help: "Video files, images or stream URLs.") var inputs: [String]

    func run() throws {
        var failures = 0
        for input in inputs {
            do {
                let started = DispatchTime.now()
                let reader = try MediaReader(url: input, camera: input)
                var frames = 0
                var last = 0.0
                while let frame = try reader.next() {
                    frames += 1
                    last = frame.mediaTime.seconds
                }
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
                Swift.print("\(input): \(reader.width)x\(reader.height), \(frames) frames, last at \(String(format: "%.3f", last)) s, "
                    + "decoded at \(String(format: "%.0f", Double(frames) / seconds)) fps")
            } catch {
                failures += 1
                FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            }
        }
        if failures > 0 { throw ExitCode(2) }
    }
}

enum RegionList {
    static func parse(_ text: String) throws -> [PlateRegion] {
        try text.split(separator: ",").map { name in
            guard let region = PlateRegion(rawValue: name.trimmingCharacters(in: .whitespaces)) else {
                throw PlateWatchError(.config, subject: "--regions", message: "unknown region \"\(name)\"",
                                      hint: "use " + PlateRegion.allCases.map(\.rawValue).joined(separator: ", "))
            }
            return region
        }
    }
}

struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "doctor",
                                                    abstract: "Check the libraries, models, cameras, disk, clock and sinks of a config.")

    @Option(name: .long, help: "YAML config file.") var config: String
    @Option(name: .long, help: "Seconds each camera gets to give its first frame.") var cameraTimeout: Double = 5

    func run() throws {
        _ = Setup.logger(verbose: false)
        let cfg: Config
        do { cfg = try ConfigLoader.load(path: config) } catch { throw Setup.fail(error) }
        let checks = Doctor.run(config: cfg, cameraTimeout: cameraTimeout)
        Swift.print(Doctor.table(checks))
        let failed = checks.filter { !$0.passed }.count
        Swift.print(failed == 0 ? "all \(checks.count) checks passed" : "\(failed) of \(checks.count) checks FAILED")
        if failed > 0 { throw ExitCode(1) }
    }
}
