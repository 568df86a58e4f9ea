import Foundation

/// Turns a `BenchReport` into what people read: a table on stdout, markdown, an SVG chart.
public enum ReportWriter {
    static func f(_ v: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", v) }
    static func pct(_ v: Double) -> String { String(format: "%.1f %%", v * 100) }

    public static func table(_ r: BenchReport) -> String {
        var out: [String] = []
        out.append("PlateWatch bench — \(r.date) — \(r.machine.cores) cores, \(r.machine.cpu) — OCR model \(r.ocrModel)")
        if let t = r.throughput, t.decodeOnlyFPS == 0 {
            out.append("throughput: full pipeline \(f(t.pipelineFPS)) fps (\(t.frames) frames; decode-only pass not run)")
        } else if let t = r.throughput {
            out.append("throughput: decode-only \(f(t.decodeOnlyFPS)) fps, full pipeline \(f(t.pipelineFPS)) fps, ratio \(f(t.ratio, 2)) (\(t.frames) frames)")
        }
        for c in r.capacity {
            out.append("capacity \(c.resolution): \(c.streamsHeld) live stream(s) held — " + c.steps.map {
                "\($0.streams): \($0.held ? "ok" : "no") (drop \($0.dropped)/\($0.frames), p95 \(f($0.latencyP95Ms, 0)) ms)" }.joined(separator: ", "))
        }
        if let a = r.accuracy {
            out.append("accuracy: \(a.found)/\(a.vehicles) vehicles exact (recall \(pct(a.recall))), precision \(pct(a.precision)) of \(a.events) events, characters \(pct(a.characterAccuracy))")
            out.append("  by format: " + a.byFormat.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value.found)/\($0.value.vehicles)" }.joined(separator: ", "))
            out.append("  by light: " + a.byLight.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value.found)/\($0.value.vehicles)" }.joined(separator: ", "))
            out.append("  false plate reads: \(a.falseReads) on \(a.framesWithoutPlate) frames without a readable plate (\(f(a.falseReadsPer1000Frames, 2)) per 1,000); \(a.nearMisses) more were misreads of a plate entering or leaving view")
            if !a.falseReadExamples.isEmpty { out.append("  false reads: " + a.falseReadExamples.joined(separator: "; ")) }
            out.append("  calibration: \(pct(a.confidentReadPrecision)) of \(a.confidentReads) frame reads with confidence ≥ 0.9 are right")
            if !a.missed.isEmpty { out.append("  missed: " + a.missed.joined(separator: "; ")) }
            if !a.wrong.isEmpty { out.append("  wrong events: " + a.wrong.joined(separator: "; ")) }
        }
        if let l = r.latency {
            out.append("latency to plate.read: media p50/p95/p99 \(f(l.media.p50, 0))/\(f(l.media.p95, 0))/\(f(l.media.p99, 0)) ms; wall \(f(l.wall.p50, 0))/\(f(l.wall.p95, 0))/\(f(l.wall.p99, 0)) ms")
            if !l.slowest.isEmpty { out.append("  slowest: " + l.slowest.joined(separator: "; ")) }
        }
        if let lanes = r.lanes {
            out.append("lanes: \(lanes.twoCameras) plate.read events with two cameras per clip in one group, \(lanes.oneCamera) with one (\(lanes.extra) extra)")
        }
        if let s = r.stages {
            out.append("stage (CPU per frame)  p50 ms   p95 ms   p99 ms   share")
            for stage in s.stages {
                out.append(stage.name.padding(toLength: 21, withPad: " ", startingAt: 0)
                    + [stage.perFrame.p50, stage.perFrame.p95, stage.perFrame.p99].map { f($0, 2).leftPad(9) }.joined()
                    + pct(stage.share).leftPad(9))
            }
            if let o = s.ocrPerCandidate, o.count > 0 {
                out.append("OCR per candidate read: p50 \(f(o.p50, 1)) ms, p95 \(f(o.p95, 1)) ms, p99 \(f(o.p99, 1)) ms over \(o.count) candidates")
            }
        }
        if !r.kernels.isEmpty {
            // As wide as the longest name: padding(toLength:) cuts a longer one short.
            let width = max(28, (r.kernels.map(\.kernel.count).max() ?? 0) + 1)
            out.append("kernel (1080p frame)".padding(toLength: width + 2, withPad: " ", startingAt: 0) + "SIMD ms  scalar ms  speed-up  identical")
            for k in r.kernels {
                out.append(k.kernel.padding(toLength: width, withPad: " ", startingAt: 0) + f(k.simdMs, 3).leftPad(9)
                    + f(k.scalarMs, 3).leftPad(11) + (f(k.speedup, 1) + "×").leftPad(10) + (k.identical ? "yes" : "NO").leftPad(11))
            }
        }
        for s in r.stills {
            if let l = s.ocrPerLine, l.count > 0 {
                out.append("OCR per text line (\(s.set)): p50 \(f(l.p50, 1)) ms, p95 \(f(l.p95, 1)) ms over \(l.count) lines")
            }
            let relabelled = s.correctedLabels == 0 ? "" : " (\(s.correctedLabels) label\(s.correctedLabels == 1 ? "" : "s") corrected by eye; \(s.exactAsLabelled) against the set's own)"
            out.append("stills \(s.set)\(s.heldOutOnly ? " (held-out part)" : ""): \(s.exact)/\(s.readable) exact (\(pct(s.exactRate)))\(relabelled), \(s.falseReads) false reads, \(f(s.msPerImage)) ms/image")
            if !s.misses.isEmpty {
                // The JSON report lists them all; the text keeps a sample a reader can scan.
                let more = s.misses.count > 40 ? "; … \(s.misses.count - 40) more in the JSON report" : ""
                out.append("  not read exactly: " + s.misses.prefix(40).joined(separator: "; ") + more)
            }
        }
        if let rss = r.rssAtStreams { out.append("memory: \(f(rss.peakMB, 0)) MB resident with \(rss.streams) live streams; process peak \(f(r.peakRSSMB, 0)) MB") }
        else { out.append("memory: process peak \(f(r.peakRSSMB, 0)) MB resident") }
        for c in r.checks { out.append("\(c.passed ? "PASS" : "MISS")  \(c.name): \(c.measured) (target \(c.target))") }
        return out.joined(separator: "\n")
    }

    public static func markdown(_ r: BenchReport, command: String, chart: String) -> String {
        var md = "# PlateWatch benchmark, \(r.date)\n\n"
        md += "Command: `\(command)`  \nMachine: \(r.machine.cores) cores, \(r.machine.cpu), \(f(r.machine.memoryGB)) GB. OCR model: `\(r.ocrModel)`.\n\n"
        md += "![fps, accuracy and stage shares](\(chart))\n\n## Targets\n\n| target | measured | wanted | |\n|---|---|---|---|\n"
        for c in r.checks { md += "| \(c.name) | \(c.measured) | \(c.target) | \(c.passed ? "met" : "**missed**") |\n" }
        md += "\n## Full report\n\n```\n\(table(r))\n```\n"
        if let t = r.throughput, !t.perClip.isEmpty {
            md += "\n## Per clip\n\n| clip | frames | fps under load | vehicles exact | events |\n|---|---|---|---|---|\n"
            for c in t.perClip { md += "| \(c.clip) | \(c.frames) | \(f(c.pipelineFPS)) | \(c.found)/\(c.vehicles) | \(c.events) |\n" }
        }
        return md
    }

    /// Bars of per-clip fps and exact-vehicle rate, and a stacked bar of stage shares.
    public static func svg(_ r: BenchReport) -> String {
        let clips = r.throughput?.perClip ?? []
        let width = 760, rowHeight = 22, top = 40
        let height = top + max(1, clips.count) * rowHeight + 120
        let maxFPS = max(1, clips.map(\.pipelineFPS).max() ?? 1)
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" font-family=\"sans-serif\" font-size=\"12\">\n"
        s += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        s += "<text x=\"10\" y=\"20\" font-size=\"14\" font-weight=\"bold\">PlateWatch bench \(r.date): fps per clip (blue), vehicles exact (green)</text>\n"
        for (i, c) in clips.enumerated() {
            let y = top + i * rowHeight
            let fpsWidth = Int(250 * c.pipelineFPS / maxFPS)
            let acc = c.vehicles > 0 ? Double(c.found) / Double(c.vehicles) : 0
            s += "<text x=\"10\" y=\"\(y + 14)\">\(escape(c.clip))</text>\n"
            s += "<rect x=\"200\" y=\"\(y + 3)\" width=\"\(fpsWidth)\" height=\"14\" fill=\"#3b6fb6\"/>"
            s += "<text x=\"\(204 + fpsWidth)\" y=\"\(y + 14)\">\(f(c.pipelineFPS)) fps</text>\n"
            s += "<rect x=\"520\" y=\"\(y + 3)\" width=\"\(Int(150 * acc))\" height=\"14\" fill=\"#3a9a4a\"/>"
            s += "<text x=\"\(524 + Int(150 * acc))\" y=\"\(y + 14)\">\(c.found)/\(c.vehicles)</text>\n"
        }
        let stagesTop = top + max(1, clips.count) * rowHeight + 30
        s += "<text x=\"10\" y=\"\(stagesTop)\" font-weight=\"bold\">Share of per-frame time by stage</text>\n"
        let colours = ["decode": "#8c8c8c", "locate": "#e49b2f", "ocr": "#c8423b", "track": "#6a4ea1", "publish": "#2f8fa0"]
        var x = 10.0
        for stage in r.stages?.stages ?? [] {
            let w = 740 * stage.share
            s += "<rect x=\"\(f(x))\" y=\"\(stagesTop + 10)\" width=\"\(f(w))\" height=\"24\" fill=\"\(colours[stage.name] ?? "#999")\"/>\n"
            if w > 60 { s += "<text x=\"\(f(x + 4))\" y=\"\(stagesTop + 27)\" fill=\"white\">\(stage.name) \(pct(stage.share))</text>\n" }
            x += w
        }
        s += "<text x=\"10\" y=\"\(stagesTop + 60)\">" + (r.stages?.stages ?? []).map { "\($0.name) \(pct($0.share))" }.joined(separator: " · ") + "</text>\n"
        return s + "</svg>\n"
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
    }
}

extension String {
    func leftPad(_ n: Int) -> String { count >= n ? self : String(repeating: " ", count: n - count) + self }
}
