import OCR
import PlateWatchCore
import Testing

@Suite struct PlateGrammarTests {
    func match(_ lines: String...) -> PlateGrammar.Match? { PlateGrammar.match(lines: lines.map(PlateGrammar.normalise)) }

    @Test func validVietnamesePlates() {
        #expect(match("51F-678.90") == .init(plate: "51F67890", display: "51F-678.90", format: .vnOneLine, repairs: 0))
        #expect(match("29A-1234")?.display == "29A-1234")
        #expect(match("51F", "678.90") == .init(plate: "51F67890", display: "51F 678.90", format: .vnTwoLine, repairs: 0))
        #expect(match("59-X1", "328.17") == .init(plate: "59X132817", display: "59-X1 328.17", format: .vnMoto, repairs: 0))
        #expect(match("29-AA", "123.45")?.format == .vnMoto, "two-letter motorbike series since 2023")
        #expect(match("80LD-123.45")?.format == .vnOneLine)
        #expect(match("80NG-123.45")?.format == .vnDiplomatic)
        #expect(match("KA-12-34") == .init(plate: "KA1234", display: "KA-12-34", format: .vnMilitary, repairs: 0))
        #expect(match("54-R2", "4924")?.format == .vnMoto, "R on motorbikes, as on the real crops")
        #expect(match("29-MĐ1", "223.59") == .init(plate: "29MD122359", display: "29-MD1 223.59", format: .vnMoto, repairs: 0),
                "electric motorbike series MĐ and a digit")
        #expect(match("29-MA1", "223.59") == nil, "two letters and a digit only for MĐ")
        #expect(match("29-MD0", "223.59") == nil, "the series digit is 1-9")
    }

    @Test func validChinesePlates() {
        #expect(match("桂A·12345") == .init(plate: "桂A12345", display: "桂A·12345", format: .chinese, repairs: 0))
        #expect(match("云A·B1234")?.format == .chinese)
        #expect(match("桂A·ABC12") == nil, "at most two letters among the five")
        #expect(match("A·12345") == nil)
    }

    @Test func positionAwareRepair() {
        #expect(match("51F-6789O")?.plate == "51F67890", "O in a digit position is 0")
        #expect(match("S1F-678.90")?.plate == "51F67890", "S in the province position is 5")
        #expect(match("518-678.90")?.plate == "51B67890", "8 in the series position is B")
        #expect(match("29O-1234")?.plate == "29D1234", "O is never a series letter; D is")
        #expect(match("5IF-678.9O")?.repairs == 2)
        #expect(match("SIF-6B7.9O") == nil, "more than two repairs is not a plate")
        #expect(match("59-NZ", "720.61") == .init(plate: "59N272061", display: "59-N2 720.61", format: .vnMoto, repairs: 1),
                "a two-letter motorbike series never ends in Z: it is the series digit 2")
        #expect(match("29-AA", "123.45")?.plate == "29AA12345", "two-letter motorbike series stay letters")
    }

    @Test func textThatIsNoPlateIsRejected() {
        for text in ["KIEMDICH", "STOP", "HAIQUAN", "12345678901", "13A-123.45", "51W-678.90", "51F678", "AB-12-3S", ""] {
            #expect(match(text) == nil, "\(text)")
        }
        #expect(match("51F", "67") == nil)
        #expect(match("59-X1", "ABC.DE") == nil)
        #expect(match("51I-678.90")?.plate == "51T67890", "I is never a series letter: a confusion to repair")
    }

    @Test func normalisationDropsSeparatorsAndDStroke() {
        #expect(PlateGrammar.normalise("51f-678.90") == "51F67890")
        #expect(PlateGrammar.normalise("29-Đ1 123.45") == "29D112345")
        #expect(PlateGrammar.normalise("桂A·12345") == "桂A12345")
    }
}

extension PlateGrammarTests {
    @Test func genericPlatesOnlyWhenAskedFor() {
        #expect(PlateGrammar.match(lines: ["7ABC123"]) == nil, "not a Vietnamese or Chinese layout")
        let all: [PlateRegion] = [.vietnam, .china, .generic]
        #expect(PlateGrammar.match(lines: ["7ABC123"], regions: all)?.format == .generic)
        #expect(PlateGrammar.match(lines: ["BAB1234"], regions: all)?.plate == "BAB1234")
        #expect(PlateGrammar.match(lines: ["KIEMDICH"], regions: all) == nil, "no digit: a word, not a plate")
        #expect(PlateGrammar.match(lines: ["51F67890"], regions: all)?.format == .vnOneLine, "known layouts first")
        #expect(PlateGrammar.match(lines: ["桂A12345"], regions: [.vietnam]) == nil, "Chinese layouts off")
    }

    @Test func aGivenPlateMayBeLettersOrDigitsAlone() {
        let generic: [PlateRegion] = [.generic]
        #expect(PlateGrammar.match(lines: ["PRIVACY"], regions: generic) == nil, "in a frame, a word is a sign")
        #expect(PlateGrammar.match(lines: ["PRIVACY"], regions: generic, given: true)?.plate == "PRIVACY", "a US vanity plate")
        #expect(PlateGrammar.match(lines: ["34230"], regions: generic, given: true)?.plate == "34230")
        #expect(PlateGrammar.match(lines: ["34230"], regions: [.vietnam, .china], given: true) == nil, "only where generic plates are read")
        #expect(PlateGrammar.match(lines: ["ABC"], regions: generic, given: true) == nil, "still 4 to 8 characters")
    }

    @Test func genericReadsNearAFixedNationalLayoutAreRepaired() {
        let generic: [PlateRegion] = [.generic]
        #expect(PlateGrammar.match(lines: ["RK857A1"], regions: generic)?.plate == "RK857AI", "LLDDDLL: a letter's 1 is I")
        #expect(PlateGrammar.match(lines: ["RK550A0"], regions: generic)?.plate == "RK550AO", "a letter's 0 is O, not D")
        #expect(PlateGrammar.match(lines: ["1B8O338"], regions: generic)?.plate == "1B80338", "DLDDDDD")
        #expect(PlateGrammar.match(lines: ["RK857A1"], regions: generic)?.repairs == 1)
        #expect(PlateGrammar.match(lines: ["AB123CD"], regions: generic)?.repairs == 0, "fits as it stands")
        #expect(PlateGrammar.match(lines: ["7ABC123"], regions: generic)?.plate == "7ABC123", "no fixed layout near: as read")
        #expect(PlateGrammar.match(lines: ["R8K57A1"], regions: generic)?.plate == "R8K57A1", "two changes: as read")
        #expect(PlateGrammar.match(lines: ["2AH616"], regions: generic)?.plate == "2AH616",
                "six characters: US plates that long follow no one order")
        #expect(PlateGrammar.match(lines: ["934Z19"], regions: generic, given: true)?.plate == "934219",
                "a Z between digits is a 2")
        #expect(PlateGrammar.match(lines: ["H694B56"], regions: generic)?.plate == "H694856")
        #expect(PlateGrammar.match(lines: ["KZF8Z7"], regions: generic)?.plate == "KZF827", "only between two digits")
        #expect(PlateGrammar.match(lines: ["12A345"], regions: generic)?.plate == "12A345", "A is a letter there")
        #expect(PlateGrammar.match(lines: ["1B80338"], regions: generic)?.plate == "1B80338",
                "Czech DLDDDDD as it stands")
        #expect(PlateGrammar.fits("RK857AI", format: .generic))
        #expect(!PlateGrammar.fits("RK857A1", format: .generic), "a vote that needs a repair does not fit as it stands")
        #expect(PlateGrammar.fitsNationalLayout("25F196401") && PlateGrammar.fitsNationalLayout("29MD122359"))
        #expect(!PlateGrammar.fitsNationalLayout("25F1964011") && !PlateGrammar.fitsNationalLayout("RK857AI"))
        #expect(!PlateGrammar.fitsNationalLayout("25FI9640"), "a repair needed: no fit as it stands")
    }
}

extension PlateGrammarTests {
    @Test func chineseOfficeLettersIncludeThoseVietnamDoesNotUse() {
        #expect(match("川J·K0707")?.plate == "川JK0707")
        #expect(match("京Q·12345")?.format == .chinese)
        #expect(match("京I·12345")?.repairs == 1, "I is never an office letter: it is repaired, not kept")
    }
}

/// The crossing's usual provinces weigh the reader's own candidates for the province glyph.
@Suite struct ProvincePriorTests {
    let northern: [Character] = ["桂", "云"]

    @Test func aCloseCallGoesToTheUsualProvince() throws {
        let read = RecognizedSymbol(text: "皖", confidence: 0.6, alternatives: [("桂", 0.3), ("苏", 0.05)])
        let weighed = try #require(PlateReader.weighProvince(read, expected: northern))
        #expect(weighed.text == "桂")
        #expect(weighed.confidence > 0.9 && weighed.confidence <= 1)
        #expect(weighed.alternatives.map(\.0) == ["皖", "苏"])
    }

    @Test func aClearReadOfAnotherProvinceStays() {
        // A Guangdong truck: the usual provinces are barely among the candidates.
        let read = RecognizedSymbol(text: "粤", confidence: 0.97, alternatives: [("桂", 0.0005)])
        #expect(PlateReader.weighProvince(read, expected: northern) == nil)
        // No usual province among the candidates at all.
        #expect(PlateReader.weighProvince(RecognizedSymbol(text: "皖", confidence: 0.5, alternatives: [("苏", 0.4)]), expected: northern) == nil)
    }

    @Test func aUsualProvinceOrNoPriorChangesNothing() {
        let read = RecognizedSymbol(text: "云", confidence: 0.5, alternatives: [("皖", 0.45)])
        #expect(PlateReader.weighProvince(read, expected: northern) == nil)
        #expect(PlateReader.weighProvince(RecognizedSymbol(text: "皖", confidence: 0.5, alternatives: [("桂", 0.45)]), expected: []) == nil)
    }
}

/// The plate model's usual misreads of a Chinese plate, mended from its own candidates.
@Suite struct ChineseRepairTests {
    func symbols(_ texts: [(String, [(String, Double)])]) -> [RecognizedSymbol] {
        texts.map { RecognizedSymbol(text: $0.0, confidence: 0.95, alternatives: $0.1) }
    }

    @Test func aProvinceReadAsADigitComesBackFromItsAlternatives() throws {
        let read = symbols([("8", [("桂", 0.51), ("皖", 0.17)]), ("K", []), ("3", []), ("0", []), ("6", []), ("7", []), ("1", [])])
        let (match, mended) = try #require(PlateReader.repairChinese(read, regions: [.vietnam, .china]))
        #expect(match.plate == "桂K30671" && match.format == .chinese && match.repairs == 1)
        #expect(mended[0].text == "桂" && mended[0].confidence == 0.51)
    }

    @Test func aSeriesLetterReadTwiceIsReadOnce() throws {
        let read = symbols([("苏", []), ("J", []), ("1", [("J", 0.79)]), ("7", []), ("Z", []), ("7", []), ("0", []), ("1", [])])
        let (match, _) = try #require(PlateReader.repairChinese(read, regions: [.vietnam, .china]))
        #expect(match.plate == "苏J7Z701" && match.repairs == 1)
    }

    @Test func theLeastSureOfOneCharacterTooManyIsDropped() throws {
        var read = symbols([("桂", []), ("A", []), ("1", []), ("2", []), ("3", []), ("4", []), ("5", []), ("1", [])])
        read[7].confidence = 0.6  // a frame edge read as '1'
        let (match, mended) = try #require(PlateReader.repairChinese(read, regions: [.vietnam, .china]))
        #expect(match.plate == "桂A12345" && match.repairs == 1)
        #expect(mended.count == 7)
    }

    @Test func aProvinceReadAsSeveralHanziIsTheSurestOfThem() throws {
        var read = symbols([("皖", []), ("浙", []), ("皖", []), ("A", []), ("6", []), ("M", []), ("X", []), ("9", []), ("7", [])])
        read[0].confidence = 0.4
        read[2].confidence = 0.3
        let (match, mended) = try #require(PlateReader.repairChinese(read, regions: [.vietnam, .china]))
        #expect(match.plate == "浙A6MX97" && match.repairs == 1)
        #expect(mended.count == 7)
    }

    @Test func whatIsNoChinesePlateStaysUnread() {
        // A Vietnamese plate's digits have no province among their alternatives.
        #expect(PlateReader.repairChinese(symbols([("5", [("S", 0.2)]), ("1", []), ("F", []), ("6", []), ("7", []), ("8", []), ("9", [])]),
                                          regions: [.vietnam, .china]) == nil)
        // One character too many is mended; two too many is no plate.
        #expect(PlateReader.repairChinese(symbols([("桂", []), ("A", []), ("1", []), ("2", []), ("3", []), ("4", []), ("5", []), ("6", []), ("7", [])]),
                                          regions: [.vietnam, .china]) == nil)
        // Without the Chinese grammar, nothing is mended.
        #expect(PlateReader.repairChinese(symbols([("8", [("桂", 0.51)]), ("K", []), ("3", []), ("0", []), ("6", []), ("7", []), ("1", [])]),
                                          regions: [.vietnam]) == nil)
    }
}

/// A generic read one character longer than a fixed national layout loses its least sure character.
@Suite struct LatinOverlongTests {
    func symbols(_ text: String, unsure: Int? = nil) -> [RecognizedSymbol] {
        text.enumerated().map { i, c in RecognizedSymbol(text: String(c), confidence: i == unsure ? 0.4 : 0.9, alternatives: []) }
    }

    @Test func theLeastSureExtraCharacterIsDropped() throws {
        let (match, kept) = try #require(PlateReader.dropExtraLatin(symbols("RK576A4H", unsure: 6)))
        #expect(match.plate == "RK576AH" && match.repairs == 1 && kept.count == 7)
        #expect(try #require(PlateReader.dropExtraLatin(symbols("9RK867AD", unsure: 0))).match.plate == "RK867AD")
    }

    @Test func onlyACharacterWhoseDropFitsALayoutIsDropped() throws {
        // The least sure is the K, but only without the 4 does the read fit LLDDDLL.
        #expect(try #require(PlateReader.dropExtraLatin(symbols("RK576A4H", unsure: 1))).match.plate == "RK576AH")
    }

    @Test func readsThatFitOrAreNotEightLongStay() {
        #expect(PlateReader.dropExtraLatin(symbols("WDBVWMK4", unsure: 7)) == nil, "no layout without any one character")
        #expect(PlateReader.dropExtraLatin(symbols("BCX4554", unsure: 6)) == nil, "seven long: a layout not listed, kept")
        #expect(PlateReader.dropExtraLatin(symbols("RK576AH", unsure: 6)) == nil)
    }
}
