import Foundation
import PlateWatchCore

/// Where the OCR model named in the config is found.
///
/// `plate` is PlateWatch's own model (`models/plate.traineddata`, trained by `make model`); it ships beside
/// the program, not in Tesseract's tessdata folder, so it is looked for in the places a checkout or an
/// install puts it. Other names (`eng`, `chi_sim`) are Tesseract's own and stay names; paths stay paths.
public enum OCRModel {
    public static let plate = "plate"

    /// Whether `model` names one of PlateWatch's own models: `plate`, or `plate-<variant>` (a second run of
    /// `make model`, `models/plate-<variant>.traineddata`), as a name or as a path to such a file.
    public static func isPlateModel(_ model: String) -> Bool {
        let name = URL(fileURLWithPath: model).lastPathComponent
        let base = name.hasSuffix(".traineddata") ? String(name.dropLast(".traineddata".count)) : name
        return base == plate || base.hasPrefix(plate + "-")
    }

    /// Whether the model reads the 31 Chinese province characters itself: PlateWatch's own do (they are
    /// trained on them); for other models (`eng`) the reader asks `chi_sim` for the province glyph.
    public static func readsProvinces(_ model: String) -> Bool { isPlateModel(model) }

    /// Folders searched for `plate.traineddata` (and `plate-<variant>.traineddata`), in order.
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

    /// The model argument for `TesseractEngine`: a `.traineddata` path for PlateWatch's own models named by
    /// name, the name or path otherwise.
    public static func resolve(_ model: String, tessdata: String?) throws -> String {
        guard isPlateModel(model), !model.contains("/") else { return model }
        let file = model + ".traineddata"
        if let tessdata, FileManager.default.fileExists(atPath: tessdata + "/" + file) { return model }
        let folders = searchPath()
        if let found = folders.map({ $0 + "/" + file }).first(where: FileManager.default.fileExists(atPath:)) {
            return found
        }
        throw PlateWatchError(.ocrModel, subject: model, message: file + " not found in " + folders.joined(separator: ", "),
                              hint: "run from the checkout, set PLATEWATCH_MODELS to the folder holding it, or use `--ocr-model eng`")
    }
}
