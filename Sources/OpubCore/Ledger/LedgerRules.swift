/// The balances an intent is checked against, read under the project's lock.
public struct LedgerPosition: Sendable, Hashable {
    /// The project's available amount (negative = debt).
    public var available: Money
    /// What the intent's key currently holds in `key:{id}:reserved` (zero when there is no key).
    public var keyReserved: Money

    public init(available: Money, keyReserved: Money = .zero) {
        self.available = available
        self.keyReserved = keyReserved
    }
}

/// Why the ledger refused an intent. Nothing was written.
public enum LedgerRuleError: Error, Equatable, Sendable, CustomStringConvertible {
    case nonPositiveAmount(TransactionKind, Money)
    case feeNotBelowAmount(amount: Money, fee: Money)
    case insufficientAvailable(available: Money, requested: Money)
    case releaseExceedsReservation(reserved: Money, requested: Money)

    public var description: String {
        switch self {
        case .nonPositiveAmount(let kind, let amount):
            return "A \(kind.rawValue) must move a positive amount, not \(amount.formattedPrecise())."
        case .feeNotBelowAmount(let amount, let fee):
            return "The fee \(fee.formattedPrecise()) must be below the donation \(amount.formattedPrecise())."
        case .insufficientAvailable(let available, let requested):
            return "Only \(available.formatted()) is available; \(requested.formatted()) was requested."
        case .releaseExceedsReservation(let reserved, let requested):
            return "The key holds \(reserved.formattedPrecise()); cannot release \(requested.formattedPrecise())."
        }
    }
}

/// The money rules of `money.md` as one pure function: an intent and the current position give
/// the postings to record, or a typed refusal.
public enum LedgerRules {
    /// The postings for `intent` in `project` at `position`. Every result sums to zero and has no
    /// zero amounts.
    ///
    /// - `reserve` needs `available ≥ amount`: a project never reserves into debt.
    /// - `spend` draws on the key's reservation first; any excess (provider overshoot, or a late charge
    ///   on a released key) debits available, which may then go negative.
    /// - `release` can return at most what the key holds.
    /// - `refund` may drive available negative (debt); the cap and drain rules then apply.
    public static func postings(
        for intent: LedgerIntent, project: ProjectID, position: LedgerPosition
    ) throws(LedgerRuleError) -> [Posting] {
        let amount = intent.amount
        guard amount.isPositive else { throw .nonPositiveAmount(intent.kind, amount) }
        let available = Account.available(project)
        switch intent {
        case .donation(_, _, let fee):
            guard !fee.isNegative, fee < amount else { throw .feeNotBelowAmount(amount: amount, fee: fee) }
            if fee.isZero {
                return [Posting(.donations, -amount), Posting(available, amount)]
            }
            return [Posting(.donations, -amount), Posting(available, amount - fee), Posting(.fees, fee)]
        case .grant:
            return [Posting(.grants, -amount), Posting(available, amount)]
        case .refund:
            return [Posting(available, -amount), Posting(.donations, amount)]
        case .reserve(let key, _):
            guard position.available >= amount else {
                throw .insufficientAvailable(available: position.available, requested: amount)
            }
            return [Posting(available, -amount), Posting(.reserved(key), amount)]
        case .spend(let key, _):
            let fromReservation = min(amount, max(position.keyReserved, .zero))
            let excess = amount - fromReservation
            var postings: [Posting] = []
            if fromReservation.isPositive { postings.append(Posting(.reserved(key), -fromReservation)) }
            if excess.isPositive { postings.append(Posting(available, -excess)) }
            postings.append(Posting(.provider, amount))
            return postings
        case .release(let key, _):
            guard position.keyReserved >= amount else {
                throw .releaseExceedsReservation(reserved: position.keyReserved, requested: amount)
            }
            return [Posting(.reserved(key), -amount), Posting(available, amount)]
        }
    }

    /// The position after `postings` were recorded, for the project and the intent's key.
    public static func applying(_ postings: [Posting], to position: LedgerPosition) -> LedgerPosition {
        var next = position
        for posting in postings {
            switch posting.account {
            case .available: next.available += posting.amount
            case .reserved: next.keyReserved += posting.amount
            case .donations, .grants, .provider, .fees: break
            }
        }
        return next
    }
}
