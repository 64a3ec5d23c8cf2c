/// A ledger account. External accounts are shared sources and sinks; project and key accounts
/// belong to one project.
///
/// Sign convention: a posting's amount is the change to its account. A transfer of `A` "from → to"
/// is the pair `(from, -A), (to, +A)`; so Σ postings on `project:{id}:available` is the available
/// amount, and Σ on `key:{id}:reserved` is what that key holds.
public enum Account: Sendable, Hashable, CustomStringConvertible {
    case donations
    case grants
    case provider
    case fees
    case available(ProjectID)
    /// Donations still inside the hold (`OPUB_DONATION_HOLD`): counted in the balance, not yet
    /// available for keys.
    case held(ProjectID)
    case reserved(KeyID)

    /// The account's stable name, as stored and hashed: `external:donations`,
    /// `project:{id}:available`, `project:{id}:held`, `key:{id}:reserved`.
    public var description: String {
        switch self {
        case .donations: return "external:donations"
        case .grants: return "external:grants"
        case .provider: return "external:provider"
        case .fees: return "external:fees"
        case .available(let project): return "project:\(project.rawValue):available"
        case .held(let project): return "project:\(project.rawValue):held"
        case .reserved(let key): return "key:\(key.rawValue):reserved"
        }
    }

    /// Parses a stored account name; nil for anything that is not one of the seven forms.
    public init?(name: String) {
        switch name {
        case "external:donations": self = .donations
        case "external:grants": self = .grants
        case "external:provider": self = .provider
        case "external:fees": self = .fees
        default:
            let parts = name.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 3 else { return nil }
            if parts[0] == "project", parts[2] == "available", let id = ProjectID(String(parts[1])) {
                self = .available(id)
            } else if parts[0] == "project", parts[2] == "held", let id = ProjectID(String(parts[1])) {
                self = .held(id)
            } else if parts[0] == "key", parts[2] == "reserved", let id = KeyID(String(parts[1])) {
                self = .reserved(id)
            } else {
                return nil
            }
        }
    }
}

/// One leg of a transaction: the signed change to one account.
public struct Posting: Sendable, Hashable {
    public let account: Account
    public let amount: Money

    public init(_ account: Account, _ amount: Money) {
        self.account = account
        self.amount = amount
    }
}
