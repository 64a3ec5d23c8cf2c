import Foundation

/// A point in time as whole microseconds since the Unix epoch (UTC).
///
/// Stored and hashed as an integer so that a timestamp survives every database and every export
/// exactly, which the ledger's hash chain needs.
public struct Timestamp: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public let microsSinceEpoch: Int64

    public init(microsSinceEpoch: Int64) { self.microsSinceEpoch = microsSinceEpoch }

    public init(secondsSinceEpoch: Double) {
        self.microsSinceEpoch = Int64((secondsSinceEpoch * 1_000_000).rounded())
    }

    public var secondsSinceEpoch: Double { Double(microsSinceEpoch) / 1_000_000 }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.microsSinceEpoch < rhs.microsSinceEpoch }

    public func adding(seconds: Int64) -> Timestamp {
        Timestamp(microsSinceEpoch: microsSinceEpoch + seconds * 1_000_000)
    }

    /// The current wall-clock time.
    public static func now() -> Timestamp {
        Timestamp(microsSinceEpoch: Int64((Date().timeIntervalSince1970 * 1_000_000).rounded()))
    }

    /// ISO 8601 in UTC with microseconds: `2026-11-22T18:46:50.123456Z`.
    public var iso8601: String {
        let seconds = microsSinceEpoch >= 0 ? microsSinceEpoch / 1_000_000 : (microsSinceEpoch - 999_999) / 1_000_000
        let micros = microsSinceEpoch - seconds * 1_000_000
        let civil = CivilDate(daysSinceEpoch: seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400)
        let secondOfDay = seconds - civil.daysSinceEpoch * 86_400
        func pad(_ value: Int64, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(civil.year, 4))-\(pad(civil.month, 2))-\(pad(civil.day, 2))T"
            + "\(pad(secondOfDay / 3600, 2)):\(pad(secondOfDay / 60 % 60, 2)):\(pad(secondOfDay % 60, 2))"
            + ".\(pad(micros, 6))Z"
    }

    public var description: String { iso8601 }
}

/// A proleptic Gregorian date in UTC, converted without Foundation (Howard Hinnant's algorithm).
public struct CivilDate: Sendable, Hashable {
    public let year: Int64
    public let month: Int64
    public let day: Int64
    public let daysSinceEpoch: Int64

    public init(daysSinceEpoch days: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        day = doy - (153 * mp + 2) / 5 + 1
        month = mp < 10 ? mp + 3 : mp - 9
        year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        daysSinceEpoch = days
    }

    public init(year: Int64, month: Int64, day: Int64) {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        self.init(daysSinceEpoch: era * 146_097 + doe - 719_468)
    }
}

/// Where "now" comes from; injected so that tests and simulations control time.
public protocol TimeSource: Sendable {
    func now() -> Timestamp
}

/// The system's wall clock.
public struct SystemTimeSource: TimeSource {
    public init() {}
    public func now() -> Timestamp { Timestamp.now() }
}

extension CivilDate {
    /// `YYYY-MM-DD`, the form the provider's `/activity` uses for its UTC days.
    public var iso8601: String {
        func pad(_ value: Int64, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }

    /// The first instant of this UTC day.
    public var start: Timestamp { Timestamp(microsSinceEpoch: daysSinceEpoch * 86_400_000_000) }
}

extension Timestamp {
    /// The UTC day this instant falls on.
    public var civilDate: CivilDate {
        let seconds = microsSinceEpoch >= 0 ? microsSinceEpoch / 1_000_000 : (microsSinceEpoch - 999_999) / 1_000_000
        return CivilDate(daysSinceEpoch: seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400)
    }
}
