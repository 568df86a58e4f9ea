/// Every error PlateWatch reports: what failed, on which camera/file/key, and what to do about it.
///
/// The message is written for the person at the box, so it names the thing and the next step;
/// `code` is stable for scripts and metrics.
public struct PlateWatchError: Error, Sendable, CustomStringConvertible, Equatable {
    public enum Code: String, Sendable {
        case fileNotFound = "file-not-found"
        case notMedia = "not-media"
        case corruptMedia = "corrupt-media"
        case sourceUnreachable = "source-unreachable"
        /// A live source that is connected but sends no picture.
        case sourceStalled = "source-stalled"
        case decoder = "decoder"
        case config = "config"
        case ocrModel = "ocr-model"
        case store = "store"
        case sink = "sink"
        case internalFailure = "internal"
    }

    public var code: Code
    /// The camera id, file path or config location the error is about.
    public var subject: String
    public var message: String
    /// What the user can do next.
    public var hint: String?

    public init(_ code: Code, subject: String, message: String, hint: String? = nil) {
        self.code = code
        self.subject = subject
        self.message = message
        self.hint = hint
    }

    public var description: String {
        var text = "\(subject): \(message)"
        if let hint { text += " — \(hint)" }
        return text
    }
}
