import Foundation

/// Progress on stderr: a redrawn bar on a terminal, plain lines otherwise (logs, CI).
public final class Progress: @unchecked Sendable {
    private let lock = NSLock()
    private let isTerminal: Bool
    private var lastDraw = 0.0
    private var barShown = false

    public init(isTerminal: Bool = isatty(STDERR_FILENO) == 1) { self.isTerminal = isTerminal }

    public func line(_ text: String) {
        lock.withLock {
            if barShown { write("\r\u{1B}[K") }
            barShown = false
            write(text + "\n")
        }
    }

    /// Draws at most ten times a second; without a terminal, only the quarters are printed.
    public func bar(_ label: String, _ done: Int, of total: Int) {
        lock.withLock {
            let fraction = total > 0 ? min(1, Double(done) / Double(total)) : 0
            if isTerminal {
                let now = Date().timeIntervalSince1970
                guard now - lastDraw > 0.1 || done == total else { return }
                lastDraw = now
                let filled = Int(fraction * 30)
                write("\r\(label) [" + String(repeating: "#", count: filled) + String(repeating: ".", count: 30 - filled) + "] \(done)/\(total)")
                barShown = true
            } else if total >= 4, done % max(1, total / 4) == 0 {
                write("\(label): \(done)/\(total)\n")
            }
        }
    }

    public func finishBar() {
        lock.withLock {
            if barShown { write("\n") }
            barShown = false
        }
    }

    private func write(_ text: String) { FileHandle.standardError.write(Data(text.utf8)) }
}
