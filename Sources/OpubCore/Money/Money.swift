/// An amount of US dollars held as whole micro-dollars (1 USD = 1,000,000 µ$).
///
/// Every amount in opub's domain and storage is a `Money`; floating point never carries money.
/// Amounts may be negative (a posting that leaves an account, or a project in debt).
/// Arithmetic traps on overflow, which cannot happen for values that entered through
/// ``Money/parse(_:)`` (capped at ``Money/maximumInput``) or the provider boundary.
public struct Money: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// Micro-dollars.
    public let micros: Int64

    public static let microsPerDollar: Int64 = 1_000_000
    public static let microsPerCent: Int64 = 10_000
    public static let zero = Money(micros: 0)

    /// The largest amount a person may type: one billion dollars. Far below `Int64` so that sums of
    /// many such amounts cannot overflow.
    public static let maximumInput = Money(micros: 1_000_000_000 * microsPerDollar)

    public init(micros: Int64) {
        self.micros = micros
    }

    /// Whole cents (Stripe's unit) as money.
    public init(cents: Int64) {
        self.micros = cents * Self.microsPerCent
    }

    /// The amount in whole cents, any fraction of a cent dropped (toward zero). Exact for the amounts
    /// people type and Stripe reports, which are whole cents (``isWholeCents``).
    public var wholeCents: Int64 { micros / Self.microsPerCent }

    /// The platform fee on a donation of `self`: `basisPoints` (1 % = 100) of it, rounded down to whole
    /// cents (`OPUB_FEE_PERCENT`); never negative, and always below the donation while the rate is below
    /// 100 %.
    public func platformFee(basisPoints: Int) -> Money {
        Money(cents: wholeCents * Int64(max(basisPoints, 0)) / 10_000)
    }

    /// Whole dollars and cents, for tests and configuration defaults.
    public init(dollars: Int64, cents: Int64 = 0) {
        self.micros = dollars * Self.microsPerDollar + cents * Self.microsPerCent
    }

    public static func < (lhs: Money, rhs: Money) -> Bool { lhs.micros < rhs.micros }
    public static func + (lhs: Money, rhs: Money) -> Money { Money(micros: lhs.micros + rhs.micros) }
    public static func - (lhs: Money, rhs: Money) -> Money { Money(micros: lhs.micros - rhs.micros) }
    public static prefix func - (value: Money) -> Money { Money(micros: -value.micros) }
    public static func += (lhs: inout Money, rhs: Money) { lhs = lhs + rhs }
    public static func -= (lhs: inout Money, rhs: Money) { lhs = lhs - rhs }

    public var isZero: Bool { micros == 0 }
    public var isPositive: Bool { micros > 0 }
    public var isNegative: Bool { micros < 0 }

    /// True when the amount is a whole number of cents.
    public var isWholeCents: Bool { micros % Self.microsPerCent == 0 }

    public var description: String { formatted() }

    public init(from decoder: any Decoder) throws {
        self.micros = try decoder.singleValueContainer().decode(Int64.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(micros)
    }
}

extension Sequence where Element == Money {
    /// The sum of the amounts.
    public func sum() -> Money { reduce(.zero, +) }
}
