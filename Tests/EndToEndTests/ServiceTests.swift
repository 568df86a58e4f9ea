import Delivery
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import PlateWatchCore
import Testing
import TestSupport

/// `platewatch run` as the service an edge box runs: stopped by SIGTERM, watched through /metrics and
/// /readyz, checked by `doctor`; against a real RTSP server on 127.0.0.1.
@Suite(.serialized) struct ServiceTests {
    let clip = Footage.folder.appendingPathComponent("clip01_day_720p.mp4").path

    func rtspServer(port: Int = 0) throws -> ServerProcess {
        try ServerProcess("/usr/bin/python3", [Footage.root.appendingPathComponent("tools/rtsp/serve.py").path, "--port", "\(port)",
                                               "--mount", "lane=\(clip)"], ready: "ready ")
    }

    func start(_ yaml: String, folder: URL, log: URL? = nil) throws -> Process {
        let config = folder.appendingPathComponent("config.yaml")
        try yaml.write(to: config, atomically: true, encoding: .utf8)
        return try CommandLineTests.launch(["run", "--config", config.path], log: log)
    }

    func get(_ url: String) -> (status: Int, body: String) {
        final class Box: @unchecked Sendable { var value: (Int, String) = (0, "") }
        let box = Box(), done = DispatchSemaphore(value: 0)
        var request = URLRequest(url: URL(string: url)!)
        request.timeoutInterval = 3
        URLSession.shared.dataTask(with: request) { data, response, _ in
            box.value = ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data ?? Data(), as: UTF8.self))
            done.signal()
        }.resume()
        _ = done.wait(timeout: .now() + 5)
        return box.value
    }

    func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("pw-service-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    func lines(_ url: URL) -> Int {
        ((try? String(contentsOf: url, encoding: .utf8)) ?? "").split(separator: "\n").count
    }

    @Test func sigtermLosesNoVotedRead() throws {
        let server = try rtspServer()
        defer { server.kill() }
        let dir = try folder()
        let events = dir.appendingPathComponent("events.jsonl")
        let run = try start("""
            site: t
            store: \(dir.appendingPathComponent("o.sqlite").path)
            management: {listen: off}
            cameras: [{id: lane, url: "rtsp://127.0.0.1:\(server.readyPort)/lane"}]
            sinks: [{type: jsonl, path: \(events.path)}]
            """, folder: dir)
        #expect(ServerProcess.eventually(20) { lines(events) >= 2 }, "the first vehicles are published")
        let asked = Date()
        kill(run.processIdentifier, SIGTERM)
        run.waitUntilExit()
        #expect(run.terminationReason == .exit && run.terminationStatus == 0)
        #expect(Date().timeIntervalSince(asked) < 15, "within the shutdown grace")
        let outbox = try Outbox(path: dir.appendingPathComponent("o.sqlite").path)
        #expect(try outbox.count() == lines(events), "every event stored before the stop reached the sink")
        #expect(try outbox.status().allSatisfy { $0.backlog == 0 })
    }

    @Test func metricsAndReadinessFollowTheCamera() throws {
        var server = try rtspServer()
        let port = server.readyPort
        defer { server.kill() }
        let dir = try folder()
        let management = ServerProcess.freePort(), deskPort = ServerProcess.freePort()
        let run = try start("""
            site: t
            store: \(dir.appendingPathComponent("o.sqlite").path)
            management: {listen: "127.0.0.1:\(management)", unready_after: 2}
            desk: {listen: "127.0.0.1:\(deskPort)", store: \(dir.appendingPathComponent("desk.sqlite").path)}
            ingest: {backoff_initial: 0.2, backoff_max: 1, stall_timeout: 2}
            cameras: [{id: lane, url: "rtsp://127.0.0.1:\(port)/lane"}]
            sinks: [{type: jsonl, path: \(dir.appendingPathComponent("events.jsonl").path)}]
            """, folder: dir)
        defer { kill(run.processIdentifier, SIGKILL); run.waitUntilExit() }
        let base = "http://127.0.0.1:\(management)"
        let streaming = #"platewatch_ingest_state{camera="lane",state="streaming"} 1"#
        #expect(ServerProcess.eventually(20) { get(base + "/metrics").body.contains(streaming) }, "the camera streams")
        #expect(get(base + "/readyz").status == 200)
        #expect(get(base + "/healthz").status == 200)

        let metrics = get(base + "/metrics").body
        for name in ["platewatch_ingest_frames_decoded_total", "platewatch_ingest_frames_dropped_total", "platewatch_ingest_packets_total",
                     "platewatch_ingest_reconnects_total", "platewatch_ingest_state", "platewatch_ingest_last_frame_timestamp_seconds",
                     "platewatch_stage_seconds_bucket", "platewatch_sink_backlog", "platewatch_sink_oldest_undelivered_seconds",
                     "platewatch_sink_dead_letters", "platewatch_ocr_reads_total", "platewatch_ocr_rejections_total"] {
            #expect(metrics.contains("\n\(name)") || metrics.hasPrefix(name), "missing \(name)")
        }
        // Prometheus text format: comments, or `name{labels} value`.
        let sample = try Regex(#"^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="[^"]*",?)*\})? [-+0-9.eEInfNa]+$"#)
        let bad = metrics.split(separator: "\n").filter { !$0.hasPrefix("#") && (try? sample.wholeMatch(in: String($0))) == nil }
        #expect(bad.isEmpty, "not Prometheus text: \(bad.prefix(3))")

        // What a desk in its own process shows on its Cameras page: state, frame rate, a recent picture.
        struct Camera: Decodable { var id: String; var state: String; var fps: Double?; var thumbnail_url: String? }
        #expect(ServerProcess.eventually(5) { ((try? JSONDecoder().decode([Camera].self, from: Data(get(base + "/cameras").body.utf8)))?.first?.fps ?? 0) > 5 },
                "the camera's frame rate: \(get(base + "/cameras").body)")
        let cameras = try JSONDecoder().decode([Camera].self, from: Data(get(base + "/cameras").body.utf8))
        #expect(cameras.map(\.id) == ["lane"] && cameras[0].state == "streaming" && cameras[0].thumbnail_url != nil)
        let picture = get(base + "/cameras/lane/thumbnail.jpg")
        #expect(picture.status == 200 && picture.body.utf8.count > 1000, "a JPEG of the camera")
        // The desk runs inside `run` when the config has `desk:`; it made its store and its first admin.
        let desk = "http://127.0.0.1:\(deskPort)"
        #expect(get(desk + "/healthz").status == 200 && get(desk + "/login").status == 200)
        #expect(get(desk + "/api/cameras").status == 401)
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("desk.sqlite").path))

        server.kill()
        #expect(ServerProcess.eventually(10) { get(base + "/readyz").status == 503 }, "unready with the camera gone")
        #expect(get(base + "/readyz").body.contains("camera lane"))
        server = try rtspServer(port: port)
        #expect(ServerProcess.eventually(15) { get(base + "/readyz").status == 200 }, "ready again once it is back")
    }

    @Test func sighupAddsAndRemovesCamerasWhileOthersStream() throws {
        let server = try ServerProcess("/usr/bin/python3", [Footage.root.appendingPathComponent("tools/rtsp/serve.py").path, "--port", "0",
                                                            "--mount", "a=\(clip)", "--mount", "b=\(clip)", "--mount", "c=\(clip)"], ready: "ready ")
        defer { server.kill() }
        let dir = try folder()
        let log = dir.appendingPathComponent("run.log")
        func yaml(_ cameras: [String]) -> String {
            """
            site: t
            store: \(dir.appendingPathComponent("o.sqlite").path)
            management: {listen: off}
            logging: {level: info}
            cameras: [\(cameras.map { "{id: \($0), url: \"rtsp://127.0.0.1:\(server.readyPort)/\($0)\"}" }.joined(separator: ", "))]
            sinks: [{type: jsonl, path: \(dir.appendingPathComponent("events.jsonl").path)}]
            """
        }
        let run = try start(yaml(["a", "b"]), folder: dir, log: log)
        func logText() -> String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }
        #expect(ServerProcess.eventually(20) {
            logText().contains("camera.id=a from=connecting to=streaming") && logText().contains("camera.id=b from=connecting to=streaming")
        })
        try yaml(["a", "c"]).write(to: dir.appendingPathComponent("config.yaml"), atomically: true, encoding: .utf8)
        kill(run.processIdentifier, SIGHUP)
        #expect(ServerProcess.eventually(10) { logText().contains("camera.id=c from=connecting to=streaming") }, "the new camera streams")
        kill(run.processIdentifier, SIGTERM)
        run.waitUntilExit()
        #expect(run.terminationStatus == 0)
        let text = logText()
        #expect(text.contains("camera.id=b [Pipeline] reload: camera stops"))
        #expect(!text.contains("camera.id=a [Pipeline] reload: camera stops"), "an unchanged camera is not touched")
        #expect(!text.contains("camera.id=a from=streaming to=stopped") || text.range(of: "camera.id=a from=streaming to=stopped")!.lowerBound
                > text.range(of: "camera.id=c from=connecting to=streaming")!.lowerBound, "camera a streamed through the reload")
        #expect(text.components(separatedBy: "camera.id=a from=connecting to=streaming").count == 2, "camera a connected once")
    }

    @Test func doctorFailsClearly() throws {
        let dir = try folder()
        let config = dir.appendingPathComponent("config.yaml")
        try """
            site: t
            store: \(dir.appendingPathComponent("o.sqlite").path)
            ocr: {model: \(dir.appendingPathComponent("missing/plate.traineddata").path)}
            cameras:
              - {id: good, url: \(clip)}
              - {id: unplugged, url: "rtsp://127.0.0.1:1/lane"}
            """.write(to: config, atomically: true, encoding: .utf8)
        let result = try CommandLineTests.run(["doctor", "--config", config.path, "--camera-timeout", "2"])
        #expect(result.status == 1)
        let failed = result.stdout.split(separator: "\n").filter { $0.hasPrefix("FAIL") }
        #expect(failed.count == 2, "\(result.stdout)")
        #expect(failed.contains { $0.contains("OCR model") && $0.contains("not found") })
        #expect(failed.contains { $0.contains("camera unplugged") && $0.contains("refused") })
        #expect(result.stdout.contains("PASS  camera good"))
        #expect(result.stdout.contains("2 of") && result.stdout.contains("FAILED"))
    }
}
