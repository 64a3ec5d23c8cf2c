/// The balances an intent is checked against, read under the project's lock.
public struct LedgerPosition: Sendable, Hashable {
    /// The project's available amount (negative = debt).
    public var available: Money
    /// What the intent's key currently holds in `key:{id}:reserved` (zero when there is no key).
    public var keyReserved: Money
    /// What is still held of the intent's donation in `project:{id}:held` (zero when there is no
    /// donation, or its hold has cleared).
    public var donationHeld: Money

    public init(available: Money, keyReserved: Money = .zero, donationHeld: Money = .zero) {
        self.available = available
        self.keyReserved = keyReserved
        self.donationHeld = donationHeld
    }
}

/// Why the ledger refused an intent. Nothing was written.
public enum LedgerRuleError: Error, Equatable, Sendable, CustomStringConvertible {
    case nonPositiveAmount(TransactionKind, Money)
    case feeNotBelowAmount(amount: Money, fee: Money)
    case insufficientAvailable(available: Money, requested: Money)
    case releaseExceedsReservation(reserved: Money, requested: Money)
    case clearExceedsHeld(held: Money, requested: Money)

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
        case .clearExceedsHeld(let held, let requested):
            return
                "The donation has \(held.formattedPrecise()) held; cannot clear \(requested.formattedPrecise())."
        }
    }
}

/// The money rules of `money.md` as one pure function: an intent and the current position give
/// the postings to record, or a typed refusal.
public enum LedgerRules {
    /// The rule of `reserve`: a positive amount no larger than what the project has available. The store
    /// checks it before it writes a new key's row, so a refused creation writes nothing at all.
    public static func checkReserve(_ amount: Money, available: Money) throws(LedgerRuleError) {
        guard amount.isPositive else { throw .nonPositiveAmount(.reserve, amount) }
        guard available >= amount else { throw .insufficientAvailable(available: available, requested: amount) }
    }

    /// The postings for `intent` in `project` at `position`. Every result sums to zero and has no
    /// zero amounts.
    ///
    /// - `reserve` needs `available ≥ amount`: a project never reserves into debt.
    /// - `spend` draws on the key's reservation first; any excess (provider overshoot, or a late charge
    ///   on a released key) debits available, which may then go negative.
    /// - `release` can return at most what the key holds.
    /// - `refund` takes what is still held of its donation first, then available, which may go
    ///   negative (debt); the cap and drain rules then apply.
    /// - A held donation credits `project:{id}:held`; `clear` moves at most what is held of that
    ///   donation to available.
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
        case .heldDonation(_, _, let fee):
            guard !fee.isNegative, fee < amount else { throw .feeNotBelowAmount(amount: amount, fee: fee) }
            let held = Account.held(project)
            if fee.isZero {
                return [Posting(.donations, -amount), Posting(held, amount)]
            }
            return [Posting(.donations, -amount), Posting(held, amount - fee), Posting(.fees, fee)]
        case .clear:
            guard position.donationHeld >= amount else {
                throw .clearExceedsHeld(held: position.donationHeld, requested: amount)
            }
            return [Posting(.held(project), -amount), Posting(available, amount)]
        case .grant:
            return [Posting(.grants, -amount), Posting(available, amount)]
        case .refund:
            let fromHeld = min(amount, max(position.donationHeld, .zero))
            let fromAvailable = amount - fromHeld
            var postings: [Posting] = []
            if fromHeld.isPositive { postings.append(Posting(.held(project), -fromHeld)) }
            if fromAvailable.isPositive { postings.append(Posting(available, -fromAvailable)) }
            postings.append(Posting(.donations, amount))
            return postings
        case .reserve(let key, _):
            try checkReserve(amount, available: position.available)
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
            case .held: next.donationHeld += posting.amount
            case .reserved: next.keyReserved += posting.amount
            case .donations, .grants, .provider, .fees: break
            }
        }
        return next
    }
}
