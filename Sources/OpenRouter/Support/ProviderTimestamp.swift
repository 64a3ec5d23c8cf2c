import OpubCore

/// Reads and writes the ISO 8601 timestamps OpenRouter uses.
///
/// The provider writes both `2025-02-19T20:52:27.363244+00:00` and `2025-02-19T20:52:27Z`; both parse,
/// as does any explicit offset (`+02:00`), converted to UTC. Fractions beyond microseconds are truncated.
public enum ProviderTimestamp {
    /// Parses an ISO 8601 date-time with a zone designator; nil when the text is not one.
    public static func parse(_ text: String) -> Timestamp? {
        guard let parsed = parseWithOffset(text) else { return nil }
        return parsed.timestamp
    }

    /// True when `text` names UTC explicitly (`Z`, `+00:00`, `-00:00`, `+0000`).
    public static func isUTC(_ text: String) -> Bool {
        guard let parsed = parseWithOffset(text) else { return false }
        return parsed.offsetSeconds == 0
    }

    /// Formats as `2025-02-19T20:52:27.363244+00:00`, the provider's own style for creation times.
    public static func formatWithOffset(_ timestamp: Timestamp) -> String {
        String(timestamp.iso8601.dropLast()) + "+00:00"
    }

    /// Formats as `2025-02-19T20:52:27.363Z` (milliseconds), the style requests use.
    public static func formatZulu(_ timestamp: Timestamp) -> String {
        let full = timestamp.iso8601
        return String(full.dropLast(4)) + "Z"
    }

    static func parseWithOffset(_ text: String) -> (timestamp: Timestamp, offsetSeconds: Int64)? {
        let bytes = Array(text.utf8)
        var index = 0
        func number(_ width: Int) -> Int64? {
            guard index + width <= bytes.count else { return nil }
            var value: Int64 = 0
            for byte in bytes[index..<(index + width)] {
                guard (48...57).contains(byte) else { return nil }
                value = value * 10 + Int64(byte - 48)
            }
            index += width
            return value
        }
        func expect(_ characters: String) -> Bool {
            guard index < bytes.count, characters.utf8.contains(bytes[index]) else { return false }
            index += 1
            return true
        }
        guard let year = number(4), expect("-"), let month = number(2), expect("-"), let day = number(2),
            expect("Tt "), let hour = number(2), expect(":"), let minute = number(2), expect(":"),
            let second = number(2)
        else { return nil }
        guard (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61 else {
            return nil
        }
        var micros: Int64 = 0
        if index < bytes.count, bytes[index] == 46 {
            index += 1
            var digits = 0
            while index < bytes.count, (48...57).contains(bytes[index]) {
                if digits < 6 { micros = micros * 10 + Int64(bytes[index] - 48) }
                digits += 1
                index += 1
            }
            guard digits > 0 else { return nil }
            for _ in digits..<max(digits, 6) { micros *= 10 }
        }
        var offset: Int64 = 0
        guard index < bytes.count else { return nil }
        if bytes[index] == 90 || bytes[index] == 122 {
            index += 1
        } else if bytes[index] == 43 || bytes[index] == 45 {
            let sign: Int64 = bytes[index] == 45 ? -1 : 1
            index += 1
            guard let offsetHours = number(2) else { return nil }
            _ = expect(":")
            guard let offsetMinutes = number(2), offsetHours < 24, offsetMinutes < 60 else { return nil }
            offset = sign * (offsetHours * 3600 + offsetMinutes * 60)
        } else {
            return nil
        }
        guard index == bytes.count else { return nil }
        let days = CivilDate(year: year, month: month, day: day).daysSinceEpoch
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset
        return (Timestamp(microsSinceEpoch: seconds * 1_000_000 + micros), offset)
    }
}
