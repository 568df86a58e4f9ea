import PlateWatchCore

/// Which plates exist: Vietnamese and Chinese layouts from `../shared/PLATES.md` (Circulars 24/2023 and
/// 79/2024/TT-BCA, 58/2020/TT-BCA; GA 36), with position-aware repair of the usual OCR confusions.
///
/// Text that fits no layout is rejected, so a shop sign or a badge never becomes a plate event.
public enum PlateGrammar {
    /// A read that fits a layout.
    public struct Match: Sendable, Equatable {
        public var plate: String
        public var display: String
        public var format: PlateFormat
        /// Characters changed to make the text fit (each lowers the confidence).
        public var repairs: Int

        public init(plate: String, display: String, format: PlateFormat, repairs: Int) {
            self.plate = plate
            self.display = display
            self.format = format
            self.repairs = repairs
        }
    }

    /// Most characters a read may have changed and still count as that plate.
    public static let maxRepairs = 2

    /// Character classes of a layout, one per position.
    enum Slot: Character {
        case digit = "D"
        /// Vietnamese series letter: no I, J, O, Q, W. R is for trailers in PLATES.md, but the real crops
        /// carry it on motorbikes too (`54-R2` / `4924`, 8 of 600), so it is a series letter like the others.
        case series = "S"
        /// Any Latin capital (military units, diplomatic codes).
        case letter = "L"
        /// Chinese: capital or digit without I and O.
        case cnAlnum = "X"
        /// Chinese province character.
        case province = "P"
        /// Chinese issuing-office letter: any capital but I and O.
        case cnLetter = "C"
        case seriesDigit = "N"  // motorbike series digit 1–9
    }

    struct Layout: Sendable {
        let pattern: [Slot]
        let format: PlateFormat
        let lineBreak: Int?  // where the second line starts, for 2-line layouts
        let display: @Sendable ([Character]) -> String
        init(_ pattern: String, _ format: PlateFormat, lineBreak: Int? = nil, display: @escaping @Sendable ([Character]) -> String) {
            self.pattern = pattern.map { Slot(rawValue: $0)! }
            self.format = format
            self.lineBreak = lineBreak
            self.display = display
        }
    }

    static func digits(_ c: ArraySlice<Character>) -> String {
        let s = String(c)
        return s.count == 5 ? "\(s.prefix(3)).\(s.suffix(2))" : s
    }

    static let oneLine: [Layout] = [
        Layout("DDSDDDDD", .vnOneLine) { c in "\(String(c[0..<3]))-\(digits(c[3...]))" },
        Layout("DDSDDDD", .vnOneLine) { c in "\(String(c[0..<3]))-\(digits(c[3...]))" },
        Layout("DDLLDDDDD", .vnOneLine) { c in "\(String(c[0..<4]))-\(digits(c[4...]))" },
        Layout("DDLLDDDD", .vnOneLine) { c in "\(String(c[0..<4]))-\(digits(c[4...]))" },
        Layout("LLDDDD", .vnMilitary) { c in "\(String(c[0..<2]))-\(String(c[2..<4]))-\(String(c[4...]))" },
        Layout("LLDDDDD", .vnMilitary) { c in "\(String(c[0..<2]))-\(String(c[2..<4]))-\(String(c[4...]))" },
        Layout("PCXXXXX", .chinese) { c in "\(String(c[0..<2]))·\(String(c[2...]))" },
    ]

    static let twoLine: [Layout] = [
        Layout("DDSDDDDD", .vnTwoLine, lineBreak: 3) { c in "\(String(c[0..<3])) \(digits(c[3...]))" },
        Layout("DDSDDDD", .vnTwoLine, lineBreak: 3) { c in "\(String(c[0..<3])) \(digits(c[3...]))" },
        Layout("DDSNDDDDD", .vnMoto, lineBreak: 4) { c in "\(String(c[0..<2]))-\(String(c[2..<4])) \(digits(c[4...]))" },
        Layout("DDSNDDDD", .vnMoto, lineBreak: 4) { c in "\(String(c[0..<2]))-\(String(c[2..<4])) \(digits(c[4...]))" },
        Layout("DDSSDDDDD", .vnMoto, lineBreak: 4) { c in "\(String(c[0..<2]))-\(String(c[2..<4])) \(digits(c[4...]))" },
        Layout("DDSSDDDD", .vnMoto, lineBreak: 4) { c in "\(String(c[0..<2]))-\(String(c[2..<4])) \(digits(c[4...]))" },
        // Electric motorbikes: series MĐ and a digit (`29-MĐ1` / `223.59`), seen on the real Vietnamese crops
        // (five of 600) though PLATES.md does not list it.
        Layout("DDLLNDDDDD", .vnMoto, lineBreak: 5) { c in "\(String(c[0..<2]))-\(String(c[2..<5])) \(digits(c[5...]))" },
        Layout("DDLLNDDDD", .vnMoto, lineBreak: 5) { c in "\(String(c[0..<2]))-\(String(c[2..<5])) \(digits(c[5...]))" },
    ]

    /// Two-letter series that are car series, not motorbike ones (special and diplomatic).
    static let carLetterPairs: Set<String> = ["LD", "CD", "KT", "NG", "NN", "QT", "CV", "DA", "TD", "HC", "KD"]
    static let diplomatic: Set<String> = ["NG", "NN", "QT", "CV"]

    static let vnSeries: Set<Character> = Set("ABCDEFGHKLMNPRSTUVXYZ")
    static let cnAlnum: Set<Character> = Set("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789")
    public static let cnProvinces = PlateText.chineseProvinces

    /// The characters line `index` of a `count`-line plate can hold where every layout agrees, for the OCR
    /// engine's whitelist: the lower line of each 2-line layout (Vietnamese cars, trucks, motorbikes) is
    /// digits (and the separators the reader drops). Nil: any plate character.
    public static func alphabet(line index: Int, of count: Int, regions: [PlateRegion]) -> String? {
        count == 2 && index == 1 && regions.contains(.vietnam) ? "0123456789-." : nil
    }

    /// A CJK character (a province character or a misread of one), as opposed to a plate's Latin letters and digits.
    public static func isHanzi(_ c: Character) -> Bool { c.unicodeScalars.first.map { $0.value >= 0x2E80 } ?? false }

    /// Letters OCR gives where a digit belongs, and digits it gives where a letter belongs.
    static let toDigit: [Character: Character] = [
        "O": "0", "D": "0", "Q": "0", "U": "0", "I": "1", "L": "1", "J": "1", "T": "1", "Z": "2", "A": "4", "S": "5",
        "G": "6", "B": "8",
    ]
    static let toLetter: [Character: Character] = [
        "0": "D", "O": "D", "Q": "D", "8": "B", "5": "S", "2": "Z", "6": "G", "4": "A", "1": "T", "I": "T", "7": "T",
    ]

    /// Upper-cases and drops separators (`-`, `.`, `·`, spaces); `Đ` becomes `D`.
    public static func normalise(_ text: String) -> String { PlateText.normalise(text) }

    /// Fits normalised lines (one per plate line, top first) to the best layout, or nil if none fits.
    /// - Parameter given: the picture was given as one plate (a crop), so a generic read need not mix letters
    ///   and digits (`genericMatch(_:given:)`).
    public static func match(lines: [String], regions: [PlateRegion] = [.vietnam, .china], given: Bool = false) -> Match? {
        let text = Array(lines.joined())
        let layouts = (lines.count == 2 ? twoLine : oneLine).filter { layout in
            layout.format == .chinese ? regions.contains(.china) : regions.contains(.vietnam)
        }
        var best: Match?
        for layout in layouts where layout.pattern.count == text.count {
            if let lb = layout.lineBreak, lines.count == 2, lines[0].count != lb { continue }
            // Military plates (two letters, digits) are loose enough that a repaired read is more often junk.
            let allowed = layout.format == .vnMilitary ? 0 : maxRepairs
            guard let (fixed, repairs) = repair(text, to: layout.pattern), repairs <= allowed else { continue }
            guard valid(fixed, layout) else { continue }
            var format = layout.format
            if layout.format == .vnOneLine || layout.format == .vnMoto {
                let pair = String(fixed[2...3])
                if diplomatic.contains(pair) { format = .vnDiplomatic }
                else if layout.format == .vnMoto && layout.pattern[3] == .series && carLetterPairs.contains(pair) { format = .vnTwoLine }
            }
            let candidate = Match(plate: String(fixed), display: layout.display(fixed), format: format, repairs: repairs)
            if best == nil || repairs < best!.repairs { best = candidate }
        }
        // Where other countries' plates are expected, a read that fits none of the known layouts as it stands
        // is taken as it is rather than repaired into one.
        if regions.contains(.generic), (best?.repairs ?? 1) > 0, let generic = genericMatch(text, given: given) { return generic }
        return best
    }

    /// Whether a normalised plate text fits a layout as it stands, with no repair: the check for plates the
    /// tracker's character vote puts together from several reads.
    public static func fits(_ plate: String, format: PlateFormat) -> Bool {
        format == .generic ? genericMatch(Array(plate))?.repairs == 0 : fitsNationalLayout(plate)
    }

    /// Whether a normalised plate text fits one of the Vietnamese or Chinese layouts as it stands.
    public static func fitsNationalLayout(_ plate: String) -> Bool {
        let text = Array(plate)
        return (oneLine + twoLine).contains { layout in
            guard layout.pattern.count == text.count, let (fixed, repairs) = repair(text, to: layout.pattern) else { return false }
            return repairs == 0 && valid(fixed, layout)
        }
    }

    /// Any country's plate, roughly: 4–8 Latin letters and digits with at least one of each. Read as is,
    /// unless it fits none of the fixed national layouts below as it stands and one of them with a single
    /// look-alike changed (`RK857A1` → `RK857AI`).
    /// - Parameter given: the picture is known to be a plate, so letters alone (US vanity plates, `PRIVACY`)
    ///   or digits alone (`34230`) are a plate too. In frames a read must mix them: signs and shop fronts
    ///   are words or numbers.
    static func genericMatch(_ text: [Character], given: Bool = false) -> Match? {
        guard (4...8).contains(text.count), text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else { return nil }
        let layouts = fixedNationalLayouts.filter { $0.count == text.count }
        var fixed = text, repairs = 0
        if !layouts.contains(where: { fitsAsIs(text, $0) }) {
            let repaired = layouts.compactMap { layout in repairLatin(text, to: layout) }.filter { $0.repairs == 1 }
            // Two layouts repairing one read differently: neither is trusted.
            if repaired.count >= 1, Set(repaired.map(\.text)).count == 1 {
                (fixed, repairs) = (repaired[0].text, 1)
            } else {
                (fixed, repairs) = digitRunsMended(text)
            }
        }
        guard given || (fixed.contains(where: \.isLetter) && fixed.contains(where: \.isNumber)) else { return nil }
        return Match(plate: String(fixed), display: String(fixed), format: .generic, repairs: repairs)
    }

    /// National layouts with a fixed letter/digit order, `L` a letter and `D` a digit: France, Italy and
    /// Slovakia `LLDDDLL`, Czechia `DLDDDDD`, Spain `DDDDLLL`, the United Kingdom `LLDDLLL`. Layouts that vary
    /// (Germany, Austria, the United States) are read as they are. Not Hungary's `LLLDDD`: six characters are
    /// as often a US plate of another order (`2AH616` repaired to `ZAH616`, `4YA411` to `AYA411`), and
    /// without it the held-out US crops read 31 → 33 (4 gained, 2 lost), the EU photos 72 either way.
    static let fixedNationalLayouts: [[Character]] = ["LLDDDLL", "DLDDDDD", "DDDDLLL", "LLDDLLL"].map(Array.init)

    /// A read with a digit's look-alike letter between two digits (`934Z19`, `H694B56`, `UNF1Z1`) has the
    /// digit there: plates of no fixed layout write letters and digits in runs, and no plate of the US (200)
    /// or EU (108) sets has such a letter but the Czech ones, whose `DLDDDDD` is a fixed layout and fits as
    /// it stands. Only where no fixed layout fits, as it stands or repaired. Held-out US crops 33 → 37 (the
    /// model reads the US `2` as `Z`), EU photos 72 unchanged.
    static func digitRunsMended(_ text: [Character]) -> (text: [Character], repairs: Int) {
        var out = text, repairs = 0
        for i in text.indices.dropFirst().dropLast() where text[i - 1].isNumber && text[i + 1].isNumber {
            if let d = digitLookAlike[text[i]] { out[i] = d; repairs += 1 }
        }
        return (out, repairs)
    }

    /// Letters read for digits, without `A` (`2A3633A` is an Alabama plate) or `T`, `D` (Czech series letters).
    static let digitLookAlike: [Character: Character] = ["O": "0", "I": "1", "Z": "2", "S": "5", "G": "6", "B": "8"]

    static func fitsAsIs(_ text: [Character], _ layout: [Character]) -> Bool {
        zip(text, layout).allSatisfy { c, slot in slot == "D" ? c.isNumber : c.isLetter }
    }

    /// Latin plates carry O and I, which Vietnamese series do not: a letter slot's `0` is `O`, its `1` is `I`.
    static let latinLetter: [Character: Character] = ["0": "O", "1": "I", "8": "B", "5": "S", "2": "Z", "6": "G", "4": "A"]

    static func repairLatin(_ text: [Character], to layout: [Character]) -> (text: [Character], repairs: Int)? {
        var out = text, repairs = 0
        for (i, slot) in layout.enumerated() {
            let c = text[i]
            if slot == "D" {
                if c.isNumber { continue }
                guard let d = toDigit[c] else { return nil }
                out[i] = d
            } else {
                if c.isLetter { continue }
                guard let l = latinLetter[c] else { return nil }
                out[i] = l
            }
            repairs += 1
        }
        return (out, repairs)
    }

    static func repair(_ text: [Character], to pattern: [Slot]) -> ([Character], Int)? {
        var out = text, repairs = 0
        for (i, slot) in pattern.enumerated() {
            let c = text[i]
            switch slot {
            case .digit, .seriesDigit:
                if c.isASCII && c.isNumber { continue }
                guard let d = toDigit[c] else { return nil }
                out[i] = d
            case .series:
                if vnSeries.contains(c) { continue }
                guard let l = toLetter[c], vnSeries.contains(l) else { return nil }
                out[i] = l
            case .letter:
                if c.isASCII && c.isLetter { continue }
                guard let l = toLetter[c] else { return nil }
                out[i] = l
            case .cnLetter:
                if cnAlnum.contains(c) && c.isLetter { continue }
                guard let l = toLetter[c], cnAlnum.contains(l) else { return nil }
                out[i] = l
            case .cnAlnum:
                if cnAlnum.contains(c) { continue }
                if c == "O" { out[i] = "0" } else if c == "I" { out[i] = "1" } else { return nil }
            case .province:
                if cnProvinces.contains(c) { continue }
                return nil
            }
            repairs += 1
        }
        return (out, repairs)
    }

    static func valid(_ c: [Character], _ layout: Layout) -> Bool {
        switch layout.format {
        case .vnOneLine, .vnTwoLine, .vnMoto:
            guard VietnamProvinces.isIssued(String(c[0...1])) else { return false }
            if layout.pattern.count > 4 && layout.pattern[4] == .seriesDigit { return String(c[2...3]) == "MD" && c[4] != "0" }
            if layout.pattern[3] == .seriesDigit { return c[3] != "0" }
            // Two-letter motorbike series are issued from AA upwards since 2023; one ending in Z is a series
            // digit 2 read as Z (`59-N2` as `59-NZ`; held-out Vietnamese crops 140 → 146). The three `NZ`/`BZ`
            // labels among the real crops show a 2 on the photo.
            if layout.format == .vnMoto && layout.pattern[3] == .series { return c[3] != "Z" }
            if layout.pattern[3] == .letter && layout.format == .vnOneLine {
                return carLetterPairs.contains(String(c[2...3]))
            }
            return true
        case .vnMilitary:
            return VietnamMilitaryUnits.codes.contains(String(c[0...1]))
        case .chinese:
            // At most two letters among the last five.
            return c[2...].filter { $0.isLetter }.count <= 2
        default:
            return true
        }
    }
}

/// Two-digit Vietnamese province codes as issued (Circular 79/2024/TT-BCA appendix; 80 is central agencies).
/// Kept as data: the list changes when provinces merge.
public enum VietnamProvinces {
    public static let notIssued: Set<Int> = [13, 42, 44, 45, 46, 87, 91, 96]
    public static func isIssued(_ code: String) -> Bool {
        guard let n = Int(code), (11...99).contains(n) else { return false }
        return !notIssued.contains(n)
    }
}

/// Two-letter unit codes of Vietnamese military plates (corps, military regions, services, general
/// departments), from public lists of the codes; not checked against the Ministry of Defence's own table.
/// Kept as data; a pair outside the list is no plate, which keeps signs such as "ĐT 0912…" from
/// becoming military reads.
public enum VietnamMilitaryUnits {
    public static let codes: Set<String> = [
        "AA", "AB", "AC", "AD", "AH", "AK", "AM", "AN", "AP", "AT", "AV", "AX",
        "BB", "BC", "BH", "BK", "BL", "BP", "BS", "BT", "BV", "BX",
        "HA", "HB", "HC", "HD", "HE", "HH", "HL", "HN", "HQ", "HT",
        "KA", "KB", "KC", "KD", "KK", "KN", "KP", "KT", "KV", "KY",
        "PA", "PC", "PK", "PM", "PP", "PQ", "PT", "PX", "PY",
        "QA", "QB", "QH", "QK", "QM", "QN", "QT",
        "TC", "TH", "TK", "TM", "TN", "TT", "TX",
        "CA", "CB", "CC", "CH", "CM", "CN", "CP", "CV", "DB", "ND", "VB", "VK", "VT",
    ]
}
