/// The seven kinds of ledger transaction (`money.md`).
public enum TransactionKind: String, Sendable, Hashable, CaseIterable, Codable {
    /// Stripe says paid: donations → available (and available → fees when a fee is set); with a
    /// donation hold, donations → held instead.
    case donation
    /// The operator credits a project: grants → available.
    case grant
    /// A refund or dispute: available → donations; available may go negative (debt).
    case refund
    /// A key is created or its limit raised: available → key.reserved.
    case reserve
    /// Provider usage grew: key.reserved → provider, any excess available → provider.
    case spend
    /// A key is disabled or its reservation cut by a cap: key.reserved → available.
    case release
    /// A held donation's hold has passed: held → available.
    case clear
}
