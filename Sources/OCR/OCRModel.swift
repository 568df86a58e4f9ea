import Foundation
import PlateWatchCore

/// Where the OCR model named in the config is found.
///
/// `plate` is PlateWatch's own model (`models/plate.traineddata`, trained by `make model`); it ships beside
/// the program, not in Tesseract's tessdata folder, so it is looked for in the places a checkout or an
/// install puts it. Other names (`eng`, `chi_sim`) are Tesseract's own and stay names; paths stay paths.
public enum OCRModel {
    public static let plate = "plate"

    /// Whether the model reads the 31 Chinese province characters itself: PlateWatch's own does (it is
    /// trained on them); for other models (`eng`, a path) the reader asks `chi_sim` for the province glyph.
    public static func readsProvinces(_ model: String) -> Bool { model == plate }

    /// Folders searched for `plate.traineddata`, in order.
    public static func searchPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> [String] {
        var folders: [String] = []
        if let dir = environment["PLATEWATCH_MODELS"] { folders.append(dir) }
        folders.append(FileManager.default.currentDirectoryPath + "/models")
        // A build in .build/<triple>/<config>/ of a checkout (what .build/<config> links to): the checkout's models/.
        let executable = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath().deletingLastPathComponent()
        folders.append(executable.appendingPathComponent("../../../models").standardized.path)
        folders.append(executable.appendingPathComponent("../share/platewatch").standardized.path)
        folders.append("/usr/local/share/platewatch")
        folders.append("/usr/share/platewatch")
        return folders
    }

    /// The model argument for `TesseractEngine`: a `.traineddata` path for `plate`, the name otherwise.
    public static func resolve(_ model: String, tessdata: String?) throws -> String {
        guard model == plate else { return model }
        if let tessdata, FileManager.default.fileExists(atPath: tessdata + "/plate.traineddata") { return model }
        let folders = searchPath()
        if let found = folders.map({ $0 + "/plate.traineddata" }).first(where: FileManager.default.fileExists(atPath:)) {
            return found
        }
        throw PlateWatchError(.ocrModel, subject: model, message: "plate.traineddata not found in " + folders.joined(separator: ", "),
                              hint: "run from the checkout, set PLATEWATCH_MODELS to the folder holding it, or use `--ocr-model eng`")
    }
}
