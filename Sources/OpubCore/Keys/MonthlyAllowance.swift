/// Monthly allowance keys (`money.md`, "Monthly allowance keys"): a key with an allowance A per UTC
/// month instead of a one-off limit.
///
/// Its provider limit stays absolute (no provider `limit_reset`). At the first reconcile cycle of each
/// UTC month, opub releases the key's unspent reservation, reserves R = min(A, available) (idempotency
/// key `allowance:{ck}:{YYYY-MM}`), and sets the limit to the key's lifetime spend + R. Until that cycle
/// runs, the provider still enforces last month's limit, so spend never runs ahead of a reservation.
/// Unspent allowance does not carry over; R = 0 leaves the key active but unable to spend until a later
/// month can reserve. The first month is reserved in full at creation (A ≤ available, like a limit).
public enum MonthlyAllowance {
    /// What a rollover reserves: the allowance, or what the project has once the key's unspent
    /// reservation is released, whichever is less; never negative.
    public static func reservation(allowance: Money, unspent: Money, available: Money) -> Money {
        max(.zero, min(allowance, available + max(unspent, .zero)))
    }
}

/// A UTC calendar month, `YYYY-MM`.
public struct AllowanceMonth: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let year: Int64
    public let month: Int64

    public init(year: Int64, month: Int64) {
        self.year = year
        self.month = month
    }

    /// The month `time` falls in (UTC).
    public init(_ time: Timestamp) {
        let date = time.civilDate
        self.init(year: date.year, month: date.month)
    }

    /// Parses `YYYY-MM`.
    public init?(_ text: String) {
        let parts = text.split(separator: "-")
        guard parts.count == 2, parts[0].count == 4, parts[1].count == 2, let year = Int64(parts[0]),
            let month = Int64(parts[1]), (1...12).contains(month)
        else { return nil }
        self.init(year: year, month: month)
    }

    public var description: String { "\(year)-\(month < 10 ? "0" : "")\(month)" }

    /// The first day of the next month: when this month's allowance renews.
    public var renewsOn: CivilDate {
        month == 12 ? CivilDate(year: year + 1, month: 1, day: 1) : CivilDate(year: year, month: month + 1, day: 1)
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { (lhs.year, lhs.month) < (rhs.year, rhs.month) }
}
