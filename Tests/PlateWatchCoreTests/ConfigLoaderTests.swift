import PlateWatchCore
import Testing

@Suite struct ConfigLoaderTests {
    let valid = """
        site: lethanh
        store: ./var/test.sqlite
        cameras:
          - id: barrier1-in
            url: rtsp://127.0.0.1:8554/cam1
            group: barrier1
            role: entry
          - id: yard-gate
            url: testvideos/clip.mp4
            role: yard-in
        sinks:
          - type: jsonl
            path: ./var/events.jsonl
        """

    @Test func parsesTheDocumentedExample() throws {
        let config = try ConfigLoader.parse(valid)
        #expect(config.site == "lethanh")
        #expect(config.store == "./var/test.sqlite")
        #expect(config.cameras.count == 2)
        #expect(config.cameras[0] == CameraConfig(id: "barrier1-in", url: "rtsp://127.0.0.1:8554/cam1", group: "barrier1", role: .entry))
        #expect(config.cameras[1].group == "yard-gate", "group defaults to the camera id")
        #expect(config.cameras[1].role == .yardIn)
        #expect(config.cameras[1].isFile && !config.cameras[0].isFile)
        #expect(config.sinks == [.jsonl(path: "./var/events.jsonl")])
        #expect(config.tracking.minVotes == 2)
    }

    @Test func parsesOCRModelsAndRepeatWindow() throws {
        let config = try ConfigLoader.parse(valid + "\nocr:\n  model: eng\n  fallback_model: none\n  vote_model: plate-b\ntracking:\n  repeat_window: 30\n")
        #expect(config.ocr.model == "eng")
        #expect(config.ocr.fallbackModel == nil)
        #expect(config.ocr.voteModel == "plate-b")
        #expect(try ConfigLoader.parse(valid + "\nocr:\n  vote_model: none\n").ocr.voteModel == nil)
        #expect(try ConfigLoader.parse(valid + "\nocr:\n  model: eng\n").ocr.voteModel == nil, "another model reads alone")
        #expect(try ConfigLoader.parse(valid + "\nocr:\n  model: eng\n  vote_model: plate-b\n").ocr.voteModel == "plate-b")
        #expect(config.tracking.repeatWindow == 30)
        let defaults = try ConfigLoader.parse(valid)
        #expect(defaults.ocr.model == "plate", "the plate-trained model is the default")
    }

    @Test func parsesTheDeskAndTheCrossingsProvinces() throws {
        let config = try ConfigLoader.parse(valid + """

            ocr:
              cn_provinces: [桂, 云]
            desk:
              listen: 127.0.0.1:8090
              store: postgres://desk@db.local/desk
              nats: {servers: [nats://10.0.0.5:4222], stream: BORDER}
            """)
        #expect(config.ocr.cnProvinces == ["桂", "云"])
        #expect(config.desk?.hostAndPort?.port == 8090 && config.desk?.store == "postgres://desk@db.local/desk")
        #expect(config.desk?.nats?.stream == "BORDER" && config.desk?.nats?.servers == ["nats://10.0.0.5:4222"])
        #expect(try ConfigLoader.parse(valid + "\ndesk:\n").desk == DeskSettings(), "a bare desk: turns it on with defaults")
        let province = #expect(throws: PlateWatchError.self) { try ConfigLoader.parse(valid + "\nocr:\n  cn_provinces: [A]\n") }
        #expect(province?.message.contains("province character") == true)
        // A central desk has no cameras; a box without a desk needs them.
        #expect(try ConfigLoader.parse("site: s\ndesk: {nats: {servers: [nats://127.0.0.1:4222]}}\n").cameras.isEmpty)
    }

    @Test func unknownKeyNamesTheKeyAndLine() {
        let yaml = valid.replacingOccurrences(of: "    role: entry", with: "    rol: entry")
        let error = #expect(throws: PlateWatchError.self) { try ConfigLoader.parse(yaml) }
        #expect(error?.code == .config)
        #expect(error?.subject.contains("cameras[0].rol (line 7)") == true, "\(String(describing: error))")
        #expect(error?.message.contains("expected one of: id, url, group, role") == true)
    }

    @Test func duplicateCameraIdIsRejected() {
        let yaml = valid.replacingOccurrences(of: "id: yard-gate", with: "id: barrier1-in")
        let error = #expect(throws: PlateWatchError.self) { try ConfigLoader.parse(yaml) }
        #expect(error?.message.contains("already used on line 4") == true, "\(String(describing: error))")
    }

    @Test func missingSiteAndEmptyCamerasAreExplained() {
        let noSite = #expect(throws: PlateWatchError.self) { try ConfigLoader.parse("cameras:\n  - id: a\n    url: x.mp4\n") }
        #expect(noSite?.subject.contains("site") == true)
        #expect(noSite?.message.contains("required") == true)
        let noCameras = #expect(throws: PlateWatchError.self) { try ConfigLoader.parse("site: s\ncameras: []\n") }
        #expect(noCameras?.subject.contains("cameras (line 2)") == true, "\(String(describing: noCameras))")
    }

    @Test func badValuesSayWhatIsExpected() {
        let role = #expect(throws: PlateWatchError.self) {
            try ConfigLoader.parse("site: s\ncameras:\n  - id: a\n    url: x.mp4\n    role: gate\n")
        }
        #expect(role?.message.contains("entry | exit | yard-in | yard-out") == true)
        let votes = #expect(throws: PlateWatchError.self) {
            try ConfigLoader.parse("site: s\ntracking:\n  min_votes: 0\ncameras:\n  - id: a\n    url: x.mp4\n")
        }
        #expect(votes?.subject.contains("tracking.min_votes (line 3)") == true)
        let sink = #expect(throws: PlateWatchError.self) {
            try ConfigLoader.parse("site: s\ncameras:\n  - id: a\n    url: x.mp4\nsinks:\n  - type: kafka\n")
        }
        #expect(sink?.message.contains("jsonl | stdout") == true)
    }

    @Test func brokenYAMLAndMissingFileAreTypedErrors() {
        #expect(throws: PlateWatchError.self) { try ConfigLoader.parse("site: [unclosed\n") }
        let missing = #expect(throws: PlateWatchError.self) { try ConfigLoader.load(path: "/nonexistent/platewatch.yaml") }
        #expect(missing?.code == .fileNotFound)
    }
}

extension ConfigLoaderTests {
    @Test func plateRegionsAreConfigurable() throws {
        let config = try ConfigLoader.parse("site: s\nocr:\n  regions: [vn, generic]\ncameras:\n  - id: a\n    url: x.mp4\n")
        #expect(config.ocr.regions == [.vietnam, .generic])
        #expect(try ConfigLoader.parse(valid).ocr.regions == [.vietnam, .china], "default: the border's two countries")
        let bad = #expect(throws: PlateWatchError.self) {
            try ConfigLoader.parse("site: s\nocr:\n  regions: [vn, mars]\ncameras:\n  - id: a\n    url: x.mp4\n")
        }
        #expect(bad?.message.contains("vn | cn | generic") == true)
    }
}

extension ConfigLoaderTests {
    @Test func regionOfInterestIsAPolygon() throws {
        let yaml = "site: s\ncameras:\n  - id: a\n    url: x.mp4\n    roi: [[100, 300], [1800, 300], [1900, 1080], [0, 1080]]\n"
        let roi = try #require(try ConfigLoader.parse(yaml).cameras[0].roi)
        #expect(roi.contains(x: 960, y: 800))
        #expect(!roi.contains(x: 960, y: 100), "above the lane")
        #expect(!roi.contains(x: 50, y: 310), "outside the slanted left edge")
        #expect(roi.contains(centreOf: PixelRect(x: 900, y: 700, width: 200, height: 40)))
        let bad = #expect(throws: PlateWatchError.self) {
            try ConfigLoader.parse("site: s\ncameras:\n  - id: a\n    url: x.mp4\n    roi: [[1, 2], [3, 4]]\n")
        }
        #expect(bad?.subject.contains("cameras[0].roi (line 5)") == true, "\(String(describing: bad))")
    }

    @Test func closeUpIsOffUnlessACameraAsks() throws {
        let yaml = "site: s\ncameras:\n  - id: a\n    url: x.mp4\n    close_up: true\n  - id: b\n    url: y.mp4\n"
        #expect(try ConfigLoader.parse(yaml).cameras.map(\.closeUp) == [true, false])
        let bad = #expect(throws: PlateWatchError.self) {
            try ConfigLoader.parse("site: s\ncameras:\n  - id: a\n    url: x.mp4\n    close_up: sometimes\n")
        }
        #expect(bad?.subject.contains("cameras[0].close_up") == true, "\(String(describing: bad))")
        #expect(bad?.message.contains("true or false") == true, "\(String(describing: bad))")
    }
}

extension ConfigLoaderTests {
    @Test func yardsMergeWindowAndCropsAreConfigurable() throws {
        let yaml = """
            site: lethanh
            cameras:
              - {id: gate-a-in, url: rtsp://127.0.0.1/a, role: yard-in, yard: A}
              - {id: gate-a-out, url: rtsp://127.0.0.1/b, role: yard-out, yard: A}
              - {id: lane1, url: rtsp://127.0.0.1/c}
            tracking: {merge_window: 2.5, min_confidence: 0.7}
            events: {crop: file, crop_dir: /var/lib/platewatch/crops}
            """
        let config = try ConfigLoader.parse(yaml)
        #expect(config.cameras.map(\.yard) == ["A", "A", nil])
        #expect(config.tracking.mergeWindow == 2.5 && config.tracking.minConfidence == 0.7)
        #expect(config.events.crop == .file && config.events.cropDirectory == "/var/lib/platewatch/crops")
        #expect(try ConfigLoader.parse(valid).events.crop == .inline, "crops are inline by default")
    }

    @Test func aYardOnABarrierCameraAndAnUnknownCropModeAreExplained() {
        let barrier = #expect(throws: PlateWatchError.self) {
            try ConfigLoader.parse("site: s\ncameras:\n  - {id: a, url: x.mp4, yard: A}\n")
        }
        #expect(barrier?.description.contains("yard-in or yard-out") == true)
        let crop = #expect(throws: PlateWatchError.self) {
            try ConfigLoader.parse("site: s\ncameras:\n  - {id: a, url: x.mp4}\nevents: {crop: png}\n")
        }
        #expect(crop?.description.contains("inline | file | none") == true)
    }
}

extension ConfigLoaderTests {
    @Test func webhookAndNATSSinksAndTheOutboxAreConfigured() throws {
        let yaml = """
            site: lethanh
            cameras: [{id: a, url: rtsp://127.0.0.1/a}]
            outbox: {retention_hours: 24, max_mb: 512, retry_initial: 1, retry_max: 60, flush_timeout: 5}
            ingest: {rtsp_transport: udp, stall_timeout: 3, backoff_initial: 0.25, backoff_max: 10, queue_frames: 4}
            sinks:
              - type: webhook
                url: https://platform.example/api/plate-events
                secret_env: PLATEWATCH_WEBHOOK_SECRET
                ca_file: /etc/platewatch/platform-ca.pem
              - {type: nats, servers: [nats://127.0.0.1:4222, nats://10.0.0.2:4222], stream: BORDER, replicas: 3}
            """
        let config = try ConfigLoader.parse(yaml)
        var webhook = WebhookSinkConfig(url: "https://platform.example/api/plate-events")
        webhook.secretEnv = "PLATEWATCH_WEBHOOK_SECRET"
        webhook.caFile = "/etc/platewatch/platform-ca.pem"
        var nats = NATSSinkConfig(servers: ["nats://127.0.0.1:4222", "nats://10.0.0.2:4222"])
        nats.stream = "BORDER"
        nats.replicas = 3
        #expect(config.sinks == [.webhook(webhook), .nats(nats)])
        #expect(config.delivery.retention == 24 * 3600 && config.delivery.maxBytes == 512 * 1_048_576 && config.delivery.flushTimeout == 5)
        #expect(config.ingest.rtspTransport == "udp" && config.ingest.queueFrames == 4 && config.ingest.backoffMax == 10)
    }

    @Test func badSinksSayWhatIsExpected() {
        func message(_ sink: String) -> String {
            do {
                _ = try ConfigLoader.parse("site: s\ncameras: [{id: a, url: x.mp4}]\nsinks:\n  - \(sink)\n")
                return "accepted"
            } catch { return "\(error)" }
        }
        #expect(message("{type: webhook, url: ftp://x/y, secret_env: S}").contains("http:// or https://"))
        #expect(message("{type: webhook, url: https://x/y}").contains("exactly one of secret_file or secret_env"))
        #expect(message("{type: nats, servers: [127.0.0.1:4222]}").contains("nats://host:port"))
        #expect(message("{type: kafka}").contains("jsonl | stdout | webhook | nats"))
        #expect(message("{type: jsonl, path: a, url: b}").contains("unknown key"))
    }
}
