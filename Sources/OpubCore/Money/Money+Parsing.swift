/// Why a typed dollar amount was refused. Each message says what to type instead.
public enum MoneyParseError: Error, Equatable, Sendable, CustomStringConvertible {
    case empty
    case negative
    case malformed(String)
    case tooPrecise(String)
    case tooLarge(String)

    public var description: String {
        switch self {
        case .empty:
            return "An amount is required, for example 25.00."
        case .negative:
            return "The amount must not be negative."
        case .malformed(let text):
            return "'\(text)' is not a dollar amount; use digits with an optional point and cents, for example 25.00."
        case .tooPrecise(let text):
            return "'\(text)' has more than 2 decimal places; amounts are whole cents, for example 25.01."
        case .tooLarge(let text):
            return "'\(text)' is larger than the maximum of \(Money.maximumInput.formatted())."
        }
    }
}

extension Money {
    /// Parses an amount a person typed: whole dollars with an optional point and at most two decimals
    /// (`"25"`, `"25.5"`, `"25.00"`, an optional leading `$`). Rejects negative amounts, more precision
    /// than a cent, anything that is not plain digits, and amounts above ``maximumInput``.
    public static func parse(_ text: String) throws(MoneyParseError) -> Money {
        var body = Substring(text.trimmingSpaces())
        if body.isEmpty { throw .empty }
        if body.first == "-" { throw .negative }
        if body.first == "+" { body = body.dropFirst() }
        if body.first == "$" { body = body.dropFirst() }
        let parts = body.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let whole = parts[0]
        let fraction = parts.count > 1 ? parts[1] : ""
        guard !whole.isEmpty || !fraction.isEmpty, whole.allSatisfy(\.isASCIIDigit),
            fraction.allSatisfy(\.isASCIIDigit), !(parts.count > 1 && fraction.isEmpty)
        else { throw .malformed(text) }
        guard fraction.count <= 2 else { throw .tooPrecise(text) }
        let trimmedWhole = whole.drop(while: { $0 == "0" })
        guard trimmedWhole.count <= 10, let dollars = Int64(trimmedWhole.isEmpty ? "0" : String(trimmedWhole))
        else { throw .tooLarge(text) }
        let cents = Int64(fraction.padding(toLength: 2)) ?? 0
        let value = Money(dollars: dollars, cents: cents)
        guard value <= maximumInput else { throw .tooLarge(text) }
        return value
    }

    /// Converts a USD amount reported by the provider (a JSON number, given as its decimal text)
    /// to micro-dollars, rounding to the nearest micro-dollar with ties away from zero.
    /// Accepts plain and exponent notation (`"0.0123"`, `"1.25e-05"`). Returns nil for text that is
    /// not a finite decimal number or does not fit.
    public static func fromProviderUSD(_ text: String) -> Money? {
        DecimalText(text)?.roundedMicros().map(Money.init(micros:))
    }

    /// Converts a provider-reported USD number to micro-dollars (see ``fromProviderUSD(_:)-(String)``).
    /// Uses the shortest decimal text that round-trips the `Double`, which is the JSON text it was
    /// decoded from, so ties are rounded exactly as written.
    public static func fromProviderUSD(_ value: Double) -> Money? {
        guard value.isFinite else { return nil }
        return fromProviderUSD("\(value)")
    }
}

/// A decimal number parsed from text without going through binary floating point.
struct DecimalText {
    var negative: Bool
    /// All significant digits, without the point.
    var digits: [UInt8]
    /// Position of the decimal point: the value is 0.d1d2d3… × 10^pointPosition.
    var pointPosition: Int

    init?(_ text: String) {
        var chars = Substring(text.trimmingSpaces())
        negative = false
        if chars.first == "-" {
            negative = true
            chars = chars.dropFirst()
        } else if chars.first == "+" {
            chars = chars.dropFirst()
        }
        var exponent = 0
        if let e = chars.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            guard let exp = Int(chars[chars.index(after: e)...]), abs(exp) < 400 else { return nil }
            exponent = exp
            chars = chars[..<e]
        }
        let parts = chars.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let whole = parts[0]
        let fraction = parts.count > 1 ? parts[1] : ""
        guard !(whole.isEmpty && fraction.isEmpty), whole.allSatisfy(\.isASCIIDigit),
            fraction.allSatisfy(\.isASCIIDigit)
        else { return nil }
        digits = (whole + fraction).map { UInt8($0.asciiValue! - 48) }
        pointPosition = whole.count + exponent
    }

    /// Rounds to an integer number of micro-units (10^-6), ties away from zero.
    func roundedMicros() -> Int64? {
        // Index of the digit just after the 6th decimal place.
        let cut = pointPosition + 6
        var magnitude: Int64 = 0
        for index in 0..<max(cut, 0) {
            let digit = index < digits.count ? Int64(digits[index]) : 0
            let (times10, o1) = magnitude.multipliedReportingOverflow(by: 10)
            let (next, o2) = times10.addingReportingOverflow(digit)
            if o1 || o2 { return nil }
            magnitude = next
        }
        if cut >= 0, cut < digits.count, digits[cut] >= 5 {
            magnitude += 1
        }
        return negative ? -magnitude : magnitude
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}

extension StringProtocol {
    func trimmingSpaces() -> Substring {
        var s = Substring(self)
        while let first = s.first, first.isWhitespace { s.removeFirst() }
        while let last = s.last, last.isWhitespace { s.removeLast() }
        return s
    }

    func padding(toLength length: Int) -> String {
        String(self) + String(repeating: "0", count: Swift.max(0, length - count))
    }
}
