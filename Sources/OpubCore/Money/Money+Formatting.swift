extension Money {
    /// Balance style: `$1,234.56`, `-$5.00`. Sub-cent amounts are rounded to the nearest cent,
    /// ties away from zero.
    public func formatted() -> String {
        let cents = Self.divideRounded(micros, by: Self.microsPerCent)
        let sign = cents < 0 ? "-" : ""
        let absolute = cents.magnitude
        let dollars = absolute / 100
        let remainder = absolute % 100
        return "\(sign)$\(Self.grouped(dollars)).\(remainder < 10 ? "0" : "")\(remainder)"
    }

    /// Spend-row style: at least 2 and at most 4 decimals (`$0.0123`, `$1.50`), rounded to the
    /// nearest 1/10,000 of a dollar, ties away from zero.
    public func formattedPrecise() -> String {
        let units = Self.divideRounded(micros, by: 100)
        let sign = units < 0 ? "-" : ""
        let absolute = units.magnitude
        var fraction = String(absolute % 10_000)
        fraction = String(repeating: "0", count: 4 - fraction.count) + fraction
        while fraction.count > 2, fraction.hasSuffix("0") { fraction.removeLast() }
        return "\(sign)$\(Self.grouped(absolute / 10_000)).\(fraction)"
    }

    /// Exact decimal dollars with 6 places, as the JSON API writes them (`"0.012345"`).
    public var usdString: String {
        let sign = micros < 0 ? "-" : ""
        let absolute = micros.magnitude
        var fraction = String(absolute % UInt64(Self.microsPerDollar))
        fraction = String(repeating: "0", count: 6 - fraction.count) + fraction
        return "\(sign)\(absolute / UInt64(Self.microsPerDollar)).\(fraction)"
    }

    /// Plain dollars with 2 decimals and no grouping (`"25.00"`), the input format. Exact only for
    /// whole cents.
    public var centsString: String {
        let cents = Self.divideRounded(micros, by: Self.microsPerCent)
        let sign = cents < 0 ? "-" : ""
        let absolute = cents.magnitude
        let remainder = absolute % 100
        return "\(sign)\(absolute / 100).\(remainder < 10 ? "0" : "")\(remainder)"
    }

    static func divideRounded(_ value: Int64, by divisor: Int64) -> Int64 {
        let quotient = value / divisor
        let remainder = value % divisor
        if remainder.magnitude * 2 >= divisor.magnitude {
            return quotient + (value < 0 ? -1 : 1)
        }
        return quotient
    }

    static func grouped(_ value: UInt64) -> String {
        let digits = Array(String(value))
        var out = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(digit)
        }
        return out
    }
}
