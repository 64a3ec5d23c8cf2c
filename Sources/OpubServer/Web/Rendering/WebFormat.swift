import OpubCore

/// How pages write dates and amounts. Amounts use `Money`'s formatters (`$1,234.56`; spend rows up to
/// four decimals); dates are UTC, as the ledger records them.
enum WebFormat {
    /// `2026-11-22`.
    static func day(_ time: Timestamp) -> String { String(time.iso8601.prefix(10)) }

    /// `2026-11-22 18:46 UTC`.
    static func minute(_ time: Timestamp) -> String {
        let iso = time.iso8601
        return "\(iso.prefix(10)) \(iso.dropFirst(11).prefix(5)) UTC"
    }

    /// `2026-11-22 18:46:50`: to the second, for per-request rows (the column header says UTC).
    static func time(_ time: Timestamp) -> String {
        let iso = time.iso8601
        return "\(iso.prefix(10)) \(iso.dropFirst(11).prefix(8))"
    }

    /// `62%`, or `62.5%` under 10 % and above 90 % where a whole number would hide a difference.
    static func percent(_ fraction: Double) -> String {
        let value = max(0, min(1, fraction)) * 100
        if value > 0, value < 1 { return "<1%" }
        if value < 100, value > 99 { return ">99%" }
        return "\(Int(value.rounded()))%"
    }

    /// `1,234,567` for token counts.
    static func count(_ value: Int64) -> String {
        let digits = Array(String(value.magnitude))
        var out = value < 0 ? "-" : ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(digit)
        }
        return out
    }

    /// `1 h 5 min`, `4 min`, `30 s`.
    static func duration(seconds: Int64) -> String {
        if seconds < 60 { return "\(max(0, seconds)) s" }
        let minutes = seconds / 60
        if minutes < 60 { return "\(minutes) min" }
        let hours = minutes / 60
        return minutes % 60 == 0 ? "\(hours) h" : "\(hours) h \(minutes % 60) min"
    }
}

/// A time as a page shows it: readable text and the machine-readable value for `<time datetime>`.
struct TimeView: Sendable {
    let text: String
    let iso: String

    init(_ time: Timestamp, precise: Bool = true) {
        text = precise ? WebFormat.minute(time) : WebFormat.day(time)
        iso = time.iso8601
    }
}
