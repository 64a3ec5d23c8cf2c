/// What a maintainer asks for when creating a key (`money.md`, create step 1): a name, an amount that is
/// either a one-off limit or an allowance per UTC month, and an optional expiry. Each edge (the JSON
/// route, the web form) reads its own syntax into this value once; from there the key service, the
/// provisioner, the store and ``KeyRequestRules`` see only this.
public struct KeyRequest: Sendable, Equatable {
    /// How much the key may spend.
    public enum Amount: Sendable, Equatable {
        /// A one-off limit, reserved in full at creation.
        case limit(Money)
        /// An allowance per UTC month (``MonthlyAllowance``): this month's is reserved at creation.
        case monthly(Money)
    }

    public var name: String
    public var amount: Amount
    public var expiresAt: Timestamp?

    public init(name: String, amount: Amount, expiresAt: Timestamp? = nil) {
        self.name = name
        self.amount = amount
        self.expiresAt = expiresAt
    }

    /// A one-off key of `limit`.
    public init(name: String, limit: Money, expiresAt: Timestamp? = nil) {
        self.init(name: name, amount: .limit(limit), expiresAt: expiresAt)
    }

    /// What creation reserves and sets as the provider's limit: the one-off limit, or one month's allowance.
    public var limit: Money {
        switch amount {
        case .limit(let money), .monthly(let money): return money
        }
    }

    public var isMonthly: Bool {
        if case .monthly = amount { return true }
        return false
    }
}

/// The part of a key request a refusal concerns, so that an edge can point at it (a form field, the
/// `field` of an API error).
public enum KeyRequestField: String, Sendable, Equatable {
    case name
    /// The limit or the monthly allowance.
    case amount
    case expiry
}
