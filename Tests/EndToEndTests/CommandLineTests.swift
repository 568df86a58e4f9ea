import Foundation
import PlateWatchCore
import Testing
import TestSupport

/// The `platewatch` binary as a user runs it: output, exit codes, and error text for bad input.
@Suite struct CommandLineTests {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static var binary: URL {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [beside, beside.deletingLastPathComponent()] {
            let url = candidate.appendingPathComponent("platewatch")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        for config in ["release", "debug"] {
            let url = Footage.root.appendingPathComponent(".build/\(config)/platewatch")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return Footage.root.appendingPathComponent(".build/release/platewatch")
    }

    /// Starts the binary without waiting for it (a service run); stdout is dropped, stderr goes to `log` if given.
    static func launch(_ arguments: [String], log: URL? = nil) throws -> Process {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.currentDirectoryURL = Footage.root
        process.standardOutput = FileHandle.nullDevice
        if let log {
            FileManager.default.createFile(atPath: log.path, contents: nil)
            process.standardError = try FileHandle(forWritingTo: log)
        } else {
            process.standardError = FileHandle.nullDevice
        }
        try process.run()
        return process
    }

    static func run(_ arguments: [String]) throws -> Result {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.currentDirectoryURL = Footage.root
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: String(decoding: stderr, as: UTF8.self))
    }

    func temporaryFile(_ name: String, _ contents: Data) -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("pw-cli-\(UUID().uuidString)-\(name)")
        FileManager.default.createFile(atPath: url.path, contents: contents)
        return url.path
    }

    @Test func readJSONOnABundledFramePrintsItsPlate() throws {
        let frames = try FileManager.default.contentsOfDirectory(atPath: Footage.folder.appendingPathComponent("frames").path)
            .filter { $0.hasSuffix(".jpg") }.sorted()
        try #require(!frames.isEmpty, "testvideos/frames/ holds stills cut from the clips")
        let truths = Dictionary(uniqueKeysWithValues: try Footage.clips().map { ($0.truth.video.replacingOccurrences(of: ".mp4", with: ""), $0.truth) })
        var right = 0
        for name in frames {
            // clipNN_desc_fFFFF.jpg: the clip and the frame index it was cut at.
            let stem = name.dropLast(4)
            let clip = String(stem[..<stem.range(of: "_f", options: .backwards)!.lowerBound])
            let index = Int(stem[stem.range(of: "_f", options: .backwards)!.upperBound...])!
            let truth = try #require(truths[clip])
            let expected = Set(truth.vehicles.filter { $0.firstFrame <= index && index <= $0.lastFrame }.map(\.plate))
            let result = try Self.run(["read", "--json", "testvideos/frames/\(name)"])
            #expect(result.status == 0, "\(result.stderr)")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
            #expect(object["file"] as? String == "testvideos/frames/\(name)")
            #expect(object["ms"] is Double)
            let plates = try #require(object["plates"] as? [[String: Any]])
            for plate in plates {
                for key in ["plate", "display", "format", "confidence", "box", "candidates"] { #expect(plate[key] != nil, "\(key)") }
            }
            if Set(plates.compactMap { $0["plate"] as? String }).isSuperset(of: expected) { right += 1 }
        }
        #expect(right * 10 >= frames.count * 8, "\(right) of \(frames.count) frames read exactly")
    }

    @Test func badInputGivesATypedErrorAndNonZeroExit() throws {
        let missing = try Self.run(["read", "/nonexistent/photo.jpg"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("/nonexistent/photo.jpg: no such file"))

        let text = temporaryFile("notes.mp4", Data(String(repeating: "not a video\n", count: 500).utf8))
        let notVideo = try Self.run(["read", text])
        #expect(notVideo.status == 2)
        #expect(notVideo.stderr.contains("cannot open as video or image"), "\(notVideo.stderr)")

        let clip = try #require(try Footage.clips().first).video
        let truncated = temporaryFile("cut.mp4", try Data(contentsOf: clip).prefix(3_000))
        let cut = try Self.run(["read", truncated])
        #expect(cut.status == 2, "\(cut.stdout) \(cut.stderr)")
        #expect(cut.stderr.contains(truncated))
        #expect(!cut.stderr.contains("Fatal error"))
    }

    @Test func configErrorsNameKeyAndLine() throws {
        let unknown = temporaryFile("c.yaml", Data("site: s\ncameras:\n  - id: a\n    url: x.mp4\n    colour: red\n".utf8))
        let result = try Self.run(["validate-config", unknown])
        #expect(result.status == 2)
        #expect(result.stderr.contains("cameras[0].colour (line 5)"), "\(result.stderr)")

        let duplicate = temporaryFile("d.yaml", Data("site: s\ncameras:\n  - id: a\n    url: x.mp4\n  - id: a\n    url: y.mp4\n".utf8))
        let dup = try Self.run(["run", "--config", duplicate])
        #expect(dup.status == 2)
        #expect(dup.stderr.contains("already used on line 3"), "\(dup.stderr)")

        let ok = try Self.run(["validate-config", "config/demo.yaml"])
        #expect(ok.status == 0, "\(ok.stderr)")
    }

    @Test func runKeepsGoingWhenOneCameraFails() throws {
        let clip = try #require(try Footage.clips().first).video.path
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pw-cli-\(UUID().uuidString)").path
        let config = temporaryFile("run.yaml", Data("""
            site: s
            store: \(folder)/o.sqlite
            cameras:
              - id: good
                url: \(clip)
              - id: broken
                url: /nonexistent/cam.mp4
            sinks:
              - type: jsonl
                path: \(folder)/events.jsonl
            """.utf8))
        let result = try Self.run(["run", "--config", config])
        #expect(result.status == 1, "a failed camera makes the run fail, after the others finish")
        #expect(result.stderr.contains("camera broken") && result.stderr.contains("no such file"), "\(result.stderr)")
        let events = try String(contentsOfFile: "\(folder)/events.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(!events.isEmpty, "the good camera still published")
    }
}

extension CommandLineTests {
    /// `cut-lines` makes the plate model's training lines: each plate crop gives one line image per plate
    /// line with its text and a box file, or is left out and counted.
    @Test func cutLinesWritesTrainingLines() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pw-cut-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var list = ""
        for (i, sample) in try Footage.readableFrames(count: 6).enumerated() {
            let box = try #require(sample.vehicle.box(at: sample.index))
            let crop = sample.frame.cropped(to: box.insetBy(dx: -box.width / 8, dy: -box.height / 4))
            let path = folder.appendingPathComponent("plate\(i).pgm").path
            FileManager.default.createFile(atPath: path, contents: Data(crop.pgm))
            let lines = sample.vehicle.display.split(separator: " ").map { $0.filter { $0.isLetter || $0.isNumber } }
            list += "\(path)\t\(lines.joined(separator: "|"))\t0\n"
        }
        let listFile = temporaryFile("list.tsv", Data(list.utf8))
        let out = folder.appendingPathComponent("lines").path
        let result = try Self.run(["cut-lines", "--list", listFile, "--out", out])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("6 pictures"), "\(result.stdout)")
        let texts = try FileManager.default.contentsOfDirectory(atPath: out).filter { $0.hasSuffix(".gt.txt") }
        #expect(texts.count >= 5, "most bundled plates cut cleanly: \(result.stdout)")
        for name in texts {
            let stem = "\(out)/\(name.dropLast(7))"
            let text = try String(contentsOfFile: "\(stem).gt.txt", encoding: .utf8).trimmingCharacters(in: .newlines)
            let boxes = try String(contentsOfFile: "\(stem).box", encoding: .utf8).split(separator: "\n")
            #expect(boxes.count == text.count + 1, "one box row per character plus the end-of-line row")
            #expect(FileManager.default.fileExists(atPath: "\(stem).pgm"))
        }

        let bad = try Self.run(["cut-lines", "--list", temporaryFile("bad.tsv", Data("no-tab-here\n".utf8)), "--out", out])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("expected PATH<TAB>LINE1|LINE2"), "\(bad.stderr)")
    }
}
