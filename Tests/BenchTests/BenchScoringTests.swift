import Bench
import Foundation
import PlateWatchCore
import Testing
import TestSupport

/// The benchmark's scoring must count what it claims: scripted events against scripted ground truth.
@Suite struct BenchScoringTests {
    func clip(_ vehicles: [(String, Int, Int)], night: Bool = false) -> FootageSet.Clip {
        let truth = GroundTruth(
            video: "c.mp4", fps: 25, width: 1280, height: 720, camera: "cam", night: night,
            vehicles: vehicles.map { GroundTruth.Vehicle(plate: $0.0, display: $0.0, format: "VN-1line", colour: "white",
                                                         firstFrame: $0.1, lastFrame: $0.2, boxes: [:]) })
        return FootageSet.Clip(url: URL(fileURLWithPath: "/tmp/c.mp4"), truth: truth)
    }

    func event(_ plate: String, first: Double, last: Double, emitted: Double) -> ObservedEvent {
        let e = PlateEvent(site: "s", camera: "c", group: "c", role: .entry, plate: plate, display: plate, format: .vnOneLine,
                           confidence: 0.9, firstSeen: Date(), lastSeen: Date(), mediaTime: .init(first: first, last: last),
                           box: PixelRect(x: 0, y: 0, width: 1, height: 1), votes: 3, reads: 3, candidates: [])
        return ObservedEvent(event: e, clip: "c", emittedMedia: emitted, emittedWall: Date())
    }

    /// The kernel table is as wide as its longest name: a long one is not cut short.
    @Test func kernelTableKeepsLongNames() {
        var report = BenchReport(machine: .current(), ocrModel: "plate")
        report.kernels = [KernelResult(kernel: "adaptive threshold r=12 (half frame)", simdMs: 1, scalarMs: 3, speedup: 3, identical: true),
                          KernelResult(kernel: "mean", simdMs: 0.5, scalarMs: 1, speedup: 2, identical: true)]
        let lines = ReportWriter.table(report).split(separator: "\n").map(String.init)
        let rows = lines.filter { $0.hasPrefix("adaptive threshold") || $0.hasPrefix("mean ") || $0.hasPrefix("kernel (") }
        #expect(rows.count == 3)
        #expect(rows.contains { $0.hasPrefix("adaptive threshold r=12 (half frame) ") })
        #expect(Set(rows.map(\.count)).count == 1, "fixed-width columns after the name: every row as long as the header: \(rows)")
    }

    @Test func recallPrecisionAndLatency() {
        var score = AccuracyScore()
        let c = clip([("51F67890", 25, 75), ("29A12345", 150, 200), ("30H11111", 250, 300)])
        let latencies = score.score(clip: c, events: [
            event("51F67890", first: 1.0, last: 2.0, emitted: 1.2),
            event("51F67890", first: 2.1, last: 2.9, emitted: 2.9),  // second event for one vehicle: wrong
            event("29A12346", first: 6.0, last: 8.0, emitted: 6.5),  // one character off: missed, wrong
        ])
        #expect(score.vehicles == 3 && score.found == 1 && score.events == 3 && score.correctEvents == 1)
        #expect(abs(score.recall - 1.0 / 3) < 1e-9)
        #expect(abs(score.precision - 1.0 / 3) < 1e-9)
        #expect(latencies.count == 1)
        #expect(abs(latencies[0].media - 0.2) < 1e-9, "emitted at 1.2 s, readable from frame 25 = 1.0 s")
        // 8 + 7 of 8 + 0 of 8 characters right.
        #expect(abs(score.characterAccuracy - 15.0 / 24) < 1e-9)
        #expect(score.missed.count == 2 && score.wrong.count == 2)
    }

    @Test func eventsOutsideAVehiclesTimeDoNotCount() {
        var score = AccuracyScore()
        _ = score.score(clip: clip([("51F67890", 25, 50)]), events: [event("51F67890", first: 9, last: 10, emitted: 9)])
        #expect(score.found == 0)
    }

    @Test func targetsFileParses() throws {
        let targets = try BenchTargets.load(path: Footage.root.appendingPathComponent("benchmarks/targets.yaml").path)
        #expect(targets.vehicleRecallMin == 0.98)
        #expect(targets.streams1080p25Min == 8)
        #expect(targets.stillsExactMin?["vn_vitocolerole_plate_crops"] == 0.9)
        #expect(targets.ocrMsPerCandidateP95Max == 15 && targets.locateMsP95Max == 8)
        #expect(targets.confidentReadPrecisionMin == 0.95 && targets.falseReadsPer1000Max == 1)
        #expect(throws: PlateWatchError.self) { try BenchTargets.load(path: "/nonexistent/targets.yaml") }
    }

    @Test func stillSetsReadTheSharedCSV() throws {
        guard let real = Footage.realData else {
            print("skipped: ../shared/data/real is absent")
            return
        }
        let set = try StillSet(folder: real.appendingPathComponent("openalpr_endtoend_eu"))
        #expect(!set.items.isEmpty)
        #expect(set.items.contains { $0.box != nil }, "photos carry boxes")
    }

    @Test func durationPercentiles() {
        var stats = DurationStats()
        for ms in 1...100 { stats.record(seconds: Double(ms) / 1000) }
        #expect(abs(stats.percentileMs(50) - 50) < 0.5)
        #expect(abs(stats.percentileMs(99) - 99) < 0.5)
        #expect(stats.count == 100)
    }
}

/// Crop sets the plate model was fine-tuned on are scored on their held-out part only.
@Suite struct TrainingSplitTests {
    @Test func keepsOnlyHeldOutFilesOfSplitSets() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("split-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        for name in ["trained_set", "other_set"] {
            let folder = root.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try "file,plate_text\nimages/a.jpg,51F67890\nimages/b.jpg,29A12345\nimages/c.jpg,30H11111\n"
                .write(to: folder.appendingPathComponent("ground_truth.csv"), atomically: true, encoding: .utf8)
        }
        let splitFile = root.appendingPathComponent("split.csv")
        try "set,file,part\ntrained_set,images/a.jpg,train\ntrained_set,images/b.jpg,eval\ntrained_set,images/c.jpg,train\n"
            .write(to: splitFile, atomically: true, encoding: .utf8)
        let split = try TrainingSplit(file: splitFile)

        let trainedFolder = root.appendingPathComponent("trained_set")
        let trained = split.evaluationPart(of: try StillSet(folder: trainedFolder), folder: trainedFolder)
        #expect(trained.heldOut)
        #expect(trained.set.items.map(\.plate) == ["29A12345"])

        let otherFolder = root.appendingPathComponent("other_set")
        let other = split.evaluationPart(of: try StillSet(folder: otherFolder), folder: otherFolder)
        #expect(!other.heldOut)
        #expect(other.set.items.count == 3)
    }

    @Test func committedSplitHoldsOutAboutAThird() throws {
        let file = URL(fileURLWithPath: "models/train/split.csv")
        guard FileManager.default.fileExists(atPath: file.path) else {
            Issue.record("models/train/split.csv missing: run the tests from the package root")
            return
        }
        let rows = try String(contentsOf: file, encoding: .utf8).split(whereSeparator: \.isNewline).dropFirst()
        let held = rows.filter { $0.hasSuffix(",eval") }.count
        #expect(rows.count > 0)
        #expect(held * 4 > rows.count && held * 2 < rows.count, "\(held) of \(rows.count) crops held out")
    }
}

/// Labels found wrong by eye are scored corrected, and only while the set still has the label they correct.
@Suite struct LabelCorrectionTests {
    func folder(_ csv: String) throws -> (root: URL, set: URL) {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("labels-\(UUID().uuidString)")
        let set = root.appendingPathComponent("vn_set")
        try FileManager.default.createDirectory(at: set, withIntermediateDirectories: true)
        try csv.write(to: set.appendingPathComponent("ground_truth.csv"), atomically: true, encoding: .utf8)
        return (root, set)
    }

    func corrections(_ rows: String, in root: URL) throws -> LabelCorrections {
        let file = root.appendingPathComponent("label-corrections.csv")
        try ("set,file,plate_text,label,seen\n" + rows).write(to: file, atomically: true, encoding: .utf8)
        return try LabelCorrections(file: file)
    }

    @Test func aCorrectedLabelIsScoredAndTheSetsOwnIsKept() throws {
        let (root, set) = try folder("file,plate_text\nimages/a.jpg,59H743986\nimages/b.jpg,29A12345\n")
        defer { try? FileManager.default.removeItem(at: root) }
        let fixes = try corrections("vn_set,images/a.jpg,59H143986,59H743986,the series digit is a 1\n", in: root)
        let fixed = try fixes.applied(to: try StillSet(folder: set), folder: set)
        #expect(fixed.corrected == 1)
        #expect(fixed.items.map(\.plate) == ["59H143986", "29A12345"])
        #expect(fixed.items.map(\.labelled) == ["59H743986", nil])
        let other = try LabelCorrections().applied(to: try StillSet(folder: set), folder: set)
        #expect(other.corrected == 0 && other.items.map(\.plate) == ["59H743986", "29A12345"])
    }

    @Test func aStaleCorrectionStopsTheBench() throws {
        let (root, set) = try folder("file,plate_text\nimages/a.jpg,59H143986\n")
        defer { try? FileManager.default.removeItem(at: root) }
        let changed = try corrections("vn_set,images/a.jpg,59H143986,59H743986,\n", in: root)
        #expect(throws: PlateWatchError.self, "the set's label is no longer the one corrected") {
            try changed.applied(to: try StillSet(folder: set), folder: set)
        }
        let gone = try corrections("vn_set,images/z.jpg,59H143986,59H743986,\n", in: root)
        #expect(throws: PlateWatchError.self, "the file is no longer in the set") { try gone.applied(to: try StillSet(folder: set), folder: set) }
    }

    @Test func theCommittedCorrectionsParse() throws {
        let file = URL(fileURLWithPath: "benchmarks/label-corrections.csv")
        guard FileManager.default.fileExists(atPath: file.path) else {
            Issue.record("benchmarks/label-corrections.csv missing: run the tests from the package root")
            return
        }
        let fixes = try LabelCorrections(file: file)
        #expect(fixes.bySet["vn_vitocolerole_plate_crops"]?.count == 15, "11 held-out and 4 training-part labels")
        #expect(fixes.bySet["openalpr_endtoend_eu"]?.count == 1)
        #expect(fixes.bySet.count == 2)
        guard let real = Footage.realData else {
            print("skipped: ../shared/data/real is absent, the corrections are not checked against their set")
            return
        }
        for name in fixes.bySet.keys {
            let folder = real.appendingPathComponent(name)
            #expect(try fixes.applied(to: try StillSet(folder: folder), folder: folder).corrected == fixes.bySet[name]!.count)
        }
    }
}
