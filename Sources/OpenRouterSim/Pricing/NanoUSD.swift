import Foundation
import OpubCore
import OpubSurfaces

/// An exact amount of US dollars in billionths (10⁻⁹ USD), the simulator's unit for prices, costs,
/// usage and limits. Every per-token price in the table is a whole number of nano-dollars, so
/// tokens × price is exact and a key's usage is exactly the sum of the costs it reported.
struct NanoUSD: Sendable, Hashable, Comparable, Codable {
    var value: Int64

    static let zero = NanoUSD(value: 0)
    static let perDollar: Int64 = 1_000_000_000

    init(value: Int64) { self.value = value }

    init(dollars: Int64) { self.value = dollars * Self.perDollar }

    /// Parses decimal text (`"0.00000015"`, `"12.5"`, `"1e-7"`), rounding to the nearest nano-dollar,
    /// ties away from zero. Nil for anything else or for amounts beyond ±9 billion dollars.
    init?(decimalText text: String) {
        // Money rounds to 6 places; scale by 1,000 first so that 9 places survive.
        var digits = text.trimmingCharacters(in: .whitespaces)
        var exponentShift = 3
        if let e = digits.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            guard let exponent = Int(digits[digits.index(after: e)...]) else { return nil }
            exponentShift += exponent
            digits = String(digits[..<e])
        }
        guard let scaled = Money.fromProviderUSD("\(digits)e\(exponentShift)") else { return nil }
        self.value = scaled.micros
    }

    /// From a JSON number; nil for anything else.
    init?(json: JSONValue) {
        guard let text = json.numberText else { return nil }
        self.init(decimalText: text)
    }

    /// Micro-dollars, rounded to nearest with ties away from zero (what a client stores).
    var money: Money {
        let quotient = value / 1000
        let remainder = value % 1000
        if remainder.magnitude >= 500 { return Money(micros: quotient + (value < 0 ? -1 : 1)) }
        return Money(micros: quotient)
    }

    init(money: Money) { self.value = money.micros * 1000 }

    /// Plain decimal text with no trailing zeros: `0.0001851`, `12.5`, `0`.
    var decimalText: String {
        let sign = value < 0 ? "-" : ""
        let magnitude = value.magnitude
        let whole = magnitude / UInt64(Self.perDollar)
        var fraction = magnitude % UInt64(Self.perDollar)
        guard fraction > 0 else { return "\(sign)\(whole)" }
        // Trailing zeros dropped by arithmetic (a listing writes nine amounts per key).
        var digits = 9
        while fraction % 10 == 0 {
            fraction /= 10
            digits -= 1
        }
        let text = String(fraction)
        return "\(sign)\(whole)." + String(repeating: "0", count: digits - text.count) + text
    }

    var json: JSONValue { .number(decimalText) }

    static func < (lhs: Self, rhs: Self) -> Bool { lhs.value < rhs.value }
    static func + (lhs: Self, rhs: Self) -> Self { Self(value: lhs.value + rhs.value) }
    static func - (lhs: Self, rhs: Self) -> Self { Self(value: lhs.value - rhs.value) }
    static func * (lhs: Self, rhs: Int) -> Self { Self(value: lhs.value * Int64(rhs)) }
    static func += (lhs: inout Self, rhs: Self) { lhs = lhs + rhs }
    static func -= (lhs: inout Self, rhs: Self) { lhs = lhs - rhs }

    init(from decoder: any Decoder) throws { value = try decoder.singleValueContainer().decode(Int64.self) }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }
}
