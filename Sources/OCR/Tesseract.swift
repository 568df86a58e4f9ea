import CTesseract
import Foundation
import PlateWatchCore

// The only file that touches Tesseract's C API. `TesseractEngine` owns one TessBaseAPI and frees it.
// A TessBaseAPI is not thread-safe: engines are created once and lent to one thread at a time
// (`PlateReaderPool`, `ProvinceReader`).

/// One recognised character, with the engine's alternatives for the same position.
public struct RecognizedSymbol: Sendable, Equatable {
    public var text: String
    /// 0…1.
    public var confidence: Double
    /// Other characters the engine considered here, best first, with 0…1 confidences.
    public var alternatives: [(String, Double)]
    /// Horizontal extent in the line image (left, right), where the engine placed the character.
    public var span: (left: Int, right: Int) = (0, 0)

    public init(text: String, confidence: Double, alternatives: [(String, Double)]) {
        self.text = text
        self.confidence = confidence
        self.alternatives = alternatives
    }

    public static func == (a: RecognizedSymbol, b: RecognizedSymbol) -> Bool {
        a.text == b.text && a.confidence == b.confidence && a.alternatives.map(\.0) == b.alternatives.map(\.0)
    }
}

public final class TesseractEngine {
    private let handle: OpaquePointer
    public let model: String
    private let whitelist: String?
    private var activeWhitelist: String?

    /// - Parameters:
    ///   - model: a language name found in `tessdata` (`eng`, `chi_sim`, `plate`) or a path to a `.traineddata` file.
    ///   - whitelist: the only characters the engine may output.
    ///   - singleCharacter: read each image as one character instead of one line.
    /// The libtesseract version linked, e.g. `5.3.0`.
    public static var version: String { String(cString: TessVersion()) }

    public init(model: String, tessdata: String? = nil, whitelist: String? = nil, singleCharacter: Bool = false) throws {
        var datapath = tessdata
        var language = model
        if model.hasSuffix(".traineddata") {
            guard FileManager.default.fileExists(atPath: model) else {
                throw PlateWatchError(.ocrModel, subject: model, message: "OCR model file not found",
                                      hint: "give a path to a .traineddata file, or `eng`")
            }
            let url = URL(fileURLWithPath: model)
            datapath = url.deletingLastPathComponent().path
            language = url.deletingPathExtension().lastPathComponent
        }
        guard let api = TessBaseAPICreate() else {
            throw PlateWatchError(.ocrModel, subject: model, message: "could not create a Tesseract engine")
        }
        if TessBaseAPIInit3(api, datapath, language) != 0 {
            TessBaseAPIDelete(api)
            throw PlateWatchError(.ocrModel, subject: model, message: "Tesseract could not load the model \"\(language)\"",
                                  hint: "install tesseract-ocr-\(language) or set ocr.tessdata to the folder holding \(language).traineddata")
        }
        handle = api
        self.model = model
        self.whitelist = whitelist
        activeWhitelist = whitelist
        // A single text line per image: plate lines are cut before they reach the engine.
        TessBaseAPISetPageSegMode(api, singleCharacter ? PSM_SINGLE_CHAR : PSM_SINGLE_LINE)
        if let whitelist { _ = TessBaseAPISetVariable(api, "tessedit_char_whitelist", whitelist) }
        // Ask the LSTM decoder for per-character alternatives (top-N candidates).
        _ = TessBaseAPISetVariable(api, "lstm_choice_mode", "2")
        // Lines are rendered at a fixed glyph height; a stated resolution stops Tesseract guessing one.
        _ = TessBaseAPISetVariable(api, "user_defined_dpi", "300")
        // Lines reach the engine dark on light already (LineCutter polarises them). Tesseract would run the
        // network again on the inverted line wherever its mean confidence is under 0.7, and a third time
        // when that did no better: the slowest lines were unsure ones read three times.
        _ = TessBaseAPISetVariable(api, "invert_threshold", "0")
    }

    deinit {
        TessBaseAPIEnd(handle)
        TessBaseAPIDelete(handle)
    }

    /// Reads one text line image; returns its characters in reading order.
    /// - Parameter only: characters this line can hold (the digits-only lower line of a 2-line plate);
    ///   nil for the engine's own whitelist.
    public func recognizeLine(_ image: LumaImage, only: String? = nil) -> [RecognizedSymbol] {
        guard image.width > 0, image.height > 0 else { return [] }
        let wanted = only ?? whitelist
        if wanted != activeWhitelist {
            _ = TessBaseAPISetVariable(handle, "tessedit_char_whitelist", wanted ?? "")
            activeWhitelist = wanted
        }
        image.pixels.withUnsafeBufferPointer { buffer in
            TessBaseAPISetImage(handle, buffer.baseAddress, Int32(image.width), Int32(image.height), 1, Int32(image.width))
            _ = TessBaseAPIRecognize(handle, nil)
        }
        defer { TessBaseAPIClear(handle) }
        guard let iterator = TessBaseAPIGetIterator(handle) else { return [] }
        defer { TessResultIteratorDelete(iterator) }
        var symbols: [RecognizedSymbol] = []
        repeat {
            guard let raw = TessResultIteratorGetUTF8Text(iterator, RIL_SYMBOL) else { continue }
            let text = String(cString: raw)
            TessDeleteText(raw)
            let confidence = Double(TessResultIteratorConfidence(iterator, RIL_SYMBOL)) / 100
            var alternatives: [(String, Double)] = []
            if let choices = TessResultIteratorGetChoiceIterator(iterator) {
                repeat {
                    if let c = TessChoiceIteratorGetUTF8Text(choices) {
                        let alt = String(cString: c)
                        if alt != text { alternatives.append((alt, Double(TessChoiceIteratorConfidence(choices)) / 100)) }
                    }
                } while TessChoiceIteratorNext(choices) != 0
                TessChoiceIteratorDelete(choices)
            }
            var left: Int32 = 0, top: Int32 = 0, right: Int32 = 0, bottom: Int32 = 0
            _ = TessPageIteratorBoundingBox(TessResultIteratorGetPageIteratorConst(iterator), RIL_SYMBOL, &left, &top, &right, &bottom)
            var symbol = RecognizedSymbol(text: text, confidence: max(0, min(1, confidence)), alternatives: alternatives)
            symbol.span = (Int(left), Int(right))
            symbols.append(symbol)
        } while TessResultIteratorNext(iterator, RIL_SYMBOL) != 0
        return symbols
    }
}

/// Tesseract's LSTM runs OpenMP loops; libgomp reads `OMP_THREAD_LIMIT` once, when the library loads,
/// before `main`. Without a limit its worker threads spin against the camera threads: on 2 cores a
/// 1080p clip took 8.1 s instead of 2.8 s, a third of it in the kernel (`platewatch read`, measured).
public enum TesseractRuntime {
    /// Re-executes the process once with `OMP_THREAD_LIMIT=1` unless the caller set a limit already.
    /// Call first thing in `main`; returns normally when no re-exec is needed or possible.
    public static func ensureSingleThreadedOpenMP() {
        guard ProcessInfo.processInfo.environment["OMP_THREAD_LIMIT"] == nil else { return }
        setenv("OMP_THREAD_LIMIT", "1", 1)
        let arguments = CommandLine.arguments
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) }
        argv.append(nil)
        execv("/proc/self/exe", &argv)
        // execv returns only on failure: run on, slower, rather than not at all.
        for pointer in argv { free(pointer) }
    }
}
