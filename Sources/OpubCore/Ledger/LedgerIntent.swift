/// What a caller wants the ledger to record, before the project's current balances turn it into
/// postings. The store applies an intent under the project's lock (see ``LedgerRules``).
public enum LedgerIntent: Sendable, Hashable {
    /// A completed donation of `amount` (before tax), of which `fee` goes to the platform.
    case donation(DonationID, amount: Money, fee: Money)
    /// A completed donation that is held (`OPUB_DONATION_HOLD`): it counts in the balance at once
    /// but reaches available only when a ``clear(_:amount:)`` moves it.
    case heldDonation(DonationID, amount: Money, fee: Money)
    /// The hold of a donation has passed: what is still held of it becomes available.
    case clear(DonationID, amount: Money)
    /// An operator's credit.
    case grant(amount: Money)
    /// Money returned to a donor (refund or dispute). `donation` is nil only for operator corrections.
    case refund(DonationID?, amount: Money)
    /// Reserve `amount` of available for a key.
    case reserve(KeyID, amount: Money)
    /// The provider reports `amount` of new usage for a key.
    case spend(KeyID, amount: Money)
    /// Return `amount` of a key's reservation to available.
    case release(KeyID, amount: Money)

    public var kind: TransactionKind {
        switch self {
        case .donation, .heldDonation: return .donation
        case .clear: return .clear
        case .grant: return .grant
        case .refund: return .refund
        case .reserve: return .reserve
        case .spend: return .spend
        case .release: return .release
        }
    }

    /// The key the intent is about, if any.
    public var keyID: KeyID? {
        switch self {
        case .reserve(let key, _), .spend(let key, _), .release(let key, _): return key
        case .donation, .heldDonation, .clear, .grant, .refund: return nil
        }
    }

    /// The donation the intent is about, if any.
    public var donationID: DonationID? {
        switch self {
        case .donation(let donation, _, _), .heldDonation(let donation, _, _): return donation
        case .clear(let donation, _): return donation
        case .refund(let donation, _): return donation
        case .grant, .reserve, .spend, .release: return nil
        }
    }

    /// The amount the intent moves (before any split).
    public var amount: Money {
        switch self {
        case .donation(_, let amount, _), .heldDonation(_, let amount, _), .clear(_, let amount), .grant(let amount),
            .refund(_, let amount), .reserve(_, let amount),
            .spend(_, let amount), .release(_, let amount):
            return amount
        }
    }
}
