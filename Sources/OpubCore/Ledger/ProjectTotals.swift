/// A project's money as its postings add up: one running total per account family. The store keeps
/// these on the project row (updated with every post, checked by `ledger verify`), so that pages and
/// sorts never sum the ledger; this type is the one place that says how a posting moves them.
public struct ProjectTotals: Sendable, Hashable {
    /// Σ `project:{id}:available` (negative = debt).
    public var available: Money
    /// Σ `project:{id}:held`: donations still inside the hold.
    public var held: Money
    /// Σ of the project's `key:{id}:reserved` accounts.
    public var reserved: Money
    /// Donations credited minus refunds (Σ `external:donations`, sign flipped).
    public var donated: Money
    /// Operator grants (Σ `external:grants`, sign flipped).
    public var granted: Money
    /// What the provider charged (Σ `external:provider`).
    public var spent: Money
    /// Platform fees (Σ `external:fees`).
    public var fees: Money

    public init(
        available: Money = .zero, held: Money = .zero, reserved: Money = .zero, donated: Money = .zero,
        granted: Money = .zero, spent: Money = .zero, fees: Money = .zero
    ) {
        self.available = available
        self.held = held
        self.reserved = reserved
        self.donated = donated
        self.granted = granted
        self.spent = spent
        self.fees = fees
    }

    public static let zero = ProjectTotals()

    /// The project's balance: available + held + Σ reserved (`money.md`).
    public var balance: Money { available + held + reserved }

    /// The balance as its sources give it: donated + granted − fees − spent. Equal to ``balance``
    /// whenever every transaction balanced (invariant 2).
    public var balanceFromSources: Money { donated + granted - fees - spent }

    /// Moves the totals by `postings`.
    public mutating func apply(_ postings: [Posting]) {
        for posting in postings {
            switch posting.account {
            case .available: available += posting.amount
            case .held: held += posting.amount
            case .reserved: reserved += posting.amount
            case .donations: donated -= posting.amount
            case .grants: granted -= posting.amount
            case .provider: spent += posting.amount
            case .fees: fees += posting.amount
            }
        }
    }

    /// The totals after `postings`.
    public func applying(_ postings: [Posting]) -> ProjectTotals {
        var next = self
        next.apply(postings)
        return next
    }

    /// The totals of a whole chain.
    public static func of(_ transactions: some Sequence<LedgerTransaction>) -> ProjectTotals {
        var totals = ProjectTotals.zero
        for transaction in transactions { totals.apply(transaction.postings) }
        return totals
    }
}

/// When a held donation becomes available (`OPUB_DONATION_HOLD`, `money.md` "Held donations").
public struct DonationHold: Sendable, Hashable {
    /// The hold in seconds; 0 (the default) holds nothing.
    public let seconds: Int64

    public init(seconds: Int64) { self.seconds = max(seconds, 0) }

    public static let none = DonationHold(seconds: 0)

    public var holdsAnything: Bool { seconds > 0 }

    /// When a donation completed at `completedAt` clears; nil when nothing is held.
    public func clearsAt(completedAt: Timestamp) -> Timestamp? {
        holdsAnything ? completedAt.adding(seconds: seconds) : nil
    }

    /// The intent for a donation of `amount` (fee `fee`) completing under this hold.
    public func intent(for donation: DonationID, amount: Money, fee: Money) -> LedgerIntent {
        holdsAnything
            ? .heldDonation(donation, amount: amount, fee: fee) : .donation(donation, amount: amount, fee: fee)
    }
}
