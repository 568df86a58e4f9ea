import ArgumentParser
import Bench
import Foundation
import PlateWatchCore

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure throughput, live capacity, accuracy and latency on footage with ground truth; fail on missed targets.")

    @Option(name: .long, help: "Folder of clips with ground-truth JSON.") var footage: String = "testvideos"
    @Option(name: .long, help: "Still-image folder with ground_truth.csv (repeatable), e.g. ../shared/data/real/vn_vitocolerole_plate_crops.")
    var stills: [String] = []
    @Option(name: .long, help: "Read at most this many images per still folder.") var stillsLimit: Int?
    @Flag(name: .long, help: "Look for close-up plates in the still photos too (a camera's close_up: true).") var closeUp = false
    @Option(name: .long, help: "Train/eval split of the real crop sets; sets in it are read on their eval part only.")
    var split: String = "models/train/split.csv"
    @Option(name: .long, help: "Labels of the still sets corrected by eye (set, file, plate_text, label, seen); scores use them, the report gives both.")
    var labelCorrections: String = "benchmarks/label-corrections.csv"
    @Option(name: .long, help: "Targets file.") var targets: String = "benchmarks/targets.yaml"
    @Option(name: .long, help: "Also write the report as JSON to this file.") var json: String?
    @Option(name: .long, help: "Folder for the markdown report and SVG chart.") var out: String = "benchmarks/results"
    @Option(name: .long, help: "OCR model: plate (PlateWatch's own), eng, a name in tessdata, or a .traineddata path.") var ocrModel: String = "plate"
    @Option(name: .long, help: "Second OCR model for lines the first reads as no plate or unsure, or none (default: the config's default).")
    var fallbackModel: String?
    @Option(name: .long, help: "Second OCR model for a crop or photo whose reads disagree: it reads it too and its reads vote, or none (default: the config's default, plate-b).")
    var voteModel: String?
    @Option(name: .long, help: "Plate grammars for the footage and still sets: vn, cn, generic.") var regions: String = "vn,cn"
    @Option(name: .long, help: "Seconds each live-capacity step runs.") var capacitySeconds: Double = 8
    @Option(name: .long, help: "Most live streams to try.") var maxStreams: Int = 12
    @Flag(name: .long, help: "Only the accuracy and latency pass over the footage (no decode-only pass, no capacity).")
    var accuracyOnly = false
    @Flag(name: .long, help: "Skip the footage (stills only).") var noFootage = false
    @Flag(name: .long, help: "Report missed targets but exit 0 (for a smoke run in tests).") var reportOnly = false
    @Option(name: .long, help: "File name (without extension) of the report in --out; default bench, accuracy or stills.")
    var reportName: String?

    func run() async throws {
        let logger = Setup.logger(verbose: false)
        var options = BenchRunner.Options()
        options.footage = noFootage ? nil : URL(fileURLWithPath: footage)
        options.stills = stills.map { URL(fileURLWithPath: $0) }
        options.stillsLimit = stillsLimit
        options.stillsCloseUp = closeUp
        options.accuracyOnly = accuracyOnly
        options.capacitySeconds = capacitySeconds
        options.maxStreams = maxStreams
        options.config.ocr.model = ocrModel
        options.config.ocr.setSecondModels(fallback: fallbackModel, vote: voteModel)
        do { options.config.ocr.regions = try RegionList.parse(regions) } catch { throw Setup.fail(error) }
        let report: BenchReport
        do {
            options.targets = try BenchTargets.load(path: targets)
            if FileManager.default.fileExists(atPath: split) { options.split = try TrainingSplit(file: URL(fileURLWithPath: split)) }
            if FileManager.default.fileExists(atPath: labelCorrections) {
                options.labelCorrections = try LabelCorrections(file: URL(fileURLWithPath: labelCorrections))
            }
            report = try await BenchRunner(options: options, logger: logger, progress: Progress()).run()
        } catch { throw Setup.fail(error) }

        print(ReportWriter.table(report))
        let command = (["platewatch"] + CommandLine.arguments.dropFirst()).joined(separator: " ")
        do {
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            let stem = reportName ?? (accuracyOnly ? "accuracy" : (noFootage ? "stills" : "bench"))
            try ReportWriter.svg(report).write(toFile: "\(out)/\(stem).svg", atomically: true, encoding: .utf8)
            try ReportWriter.markdown(report, command: command, chart: "\(stem).svg")
                .write(toFile: "\(out)/\(stem).md", atomically: true, encoding: .utf8)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            let data = try encoder.encode(report)
            try data.write(to: URL(fileURLWithPath: "\(out)/\(stem).json"))
            if let json { try data.write(to: URL(fileURLWithPath: json)) }
            FileHandle.standardError.write(Data("report: \(out)/\(stem).md, \(out)/\(stem).svg, \(out)/\(stem).json\n".utf8))
        } catch {
            throw Setup.fail(PlateWatchError(.sink, subject: out, message: "cannot write the report: \(error)"))
        }
        let missed = report.missed
        if !missed.isEmpty {
            let names = missed.map { "\($0.name) \($0.measured) (target \($0.target))" }.joined(separator: "; ")
            FileHandle.standardError.write(Data("missed targets: \(names)\n".utf8))
            if !reportOnly { throw ExitCode(3) }
        }
    }
}
