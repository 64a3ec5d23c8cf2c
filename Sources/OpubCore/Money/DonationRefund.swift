/// How much of a completed donation can still go back to its donor (`money.md`: a refund or dispute
/// returns at most what the donation credited; a charge's tax was never credited, so it is never
/// debited). One rule for the operator's refund, the store's check and Stripe's refund events.
public enum DonationRefund {
    /// Why a refund was refused; nothing was refunded.
    public enum Refusal: Error, Sendable, Equatable, CustomStringConvertible {
        case nothingLeft
        case notAvailable(remaining: Money, requested: Money)

        public var description: String {
            switch self {
            case .nothingLeft: return "it is already fully refunded"
            case .notAvailable(let remaining, let requested):
                return
                    "it has \(remaining.formatted()) left to refund, so \(requested.formattedPrecise()) cannot be; ask for a whole-cent amount up to that"
            }
        }
    }

    /// What is left to refund: credited − refunded, never below zero.
    public static func remaining(credited: Money, refunded: Money) -> Money {
        max(.zero, credited - refunded)
    }

    /// The amount an operator's or a person's request refunds: `requested` (default: everything left),
    /// which must be positive, whole cents and at most what is left.
    public static func requested(
        _ requested: Money?, credited: Money, refunded: Money
    ) throws(Refusal) -> Money {
        let left = remaining(credited: credited, refunded: refunded)
        guard left.isPositive else { throw .nothingLeft }
        let value = requested ?? left
        guard value.isPositive, value.isWholeCents, value <= left else {
            throw .notAvailable(remaining: left, requested: value)
        }
        return value
    }

    /// What a refund reported by Stripe adds: its amount, or — when Stripe reports the charge's
    /// cumulative refunded total — what that total adds to what is already refunded; capped at what
    /// is left, zero when nothing is.
    public static func reported(
        _ amount: Money, isCumulative: Bool, credited: Money, refunded: Money
    ) -> Money {
        let wanted = isCumulative ? amount - refunded : amount
        return max(.zero, min(wanted, remaining(credited: credited, refunded: refunded)))
    }
}
