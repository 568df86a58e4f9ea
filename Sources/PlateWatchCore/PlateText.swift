/// Comparing plate strings: the tracker joins reads within two edits, the benchmark scores characters.
public enum PlateText {
    /// The 31 province characters that open a Chinese plate (../shared/PLATES.md, class P).
    public static let chineseProvinces: Set<Character> = Set("京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼")

    /// Plate text as it is compared and stored: upper case, letters and digits only (separators, spaces and
    /// the middle dot dropped), Vietnamese Đ as D.
    public static func normalise(_ text: String) -> String {
        String(text.uppercased().replacingOccurrences(of: "Đ", with: "D").filter { $0.isLetter || $0.isNumber })
    }

    /// Levenshtein distance over characters.
    public static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
