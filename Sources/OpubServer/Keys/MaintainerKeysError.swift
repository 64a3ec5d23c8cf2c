import OpubCore

/// Why ``MaintainerKeys`` refused. Each case says what to do next; the edges turn it into an API error
/// (``apiError``) or, for a ``request(_:)``, a message beside the form field it names.
public enum MaintainerKeysError: Error, Sendable, CustomStringConvertible {
    /// What the caller asked the provider-less server to do.
    public enum Action: String, Sendable {
        case create, rotate, revoke
    }

    case projectNotFound(RepositoryName)
    case keyNotFound(KeyID, in: RepositoryName)
    /// The request itself (name, amount, expiry) or the project's state refuses the key.
    case request(KeyRequestError)
    case rotationRefused(KeyRotation.Refusal, key: KeyID)
    case ledgerRefusedRotation(LedgerRuleError)
    /// The key is still being created; the message says when to try again.
    case stillProvisioning(KeyID, String)
    case providerNotConfigured(Action)
    /// The provider failed or did not answer; the message says what happened to the money.
    case providerUnavailable(String)

    public var description: String {
        switch self {
        case .projectNotFound(let name): return "No project page exists for \(name) yet; claim it first."
        case .keyNotFound(let key, let project): return "\(project) has no compute key \(key)."
        case .request(let error): return error.description
        case .rotationRefused(let refusal, _): return refusal.description
        case .ledgerRefusedRotation(let rule): return "The ledger refused the rotation: \(rule)."
        case .stillProvisioning(_, let message): return message
        case .providerNotConfigured(.create):
            return "This server has no provider configured, so it cannot mint keys; ask its operator."
        case .providerNotConfigured(.rotate):
            return "This server has no provider configured, so it cannot rotate keys; ask its operator."
        case .providerNotConfigured(.revoke):
            return "This server has no provider configured; ask its operator to revoke the key."
        case .providerUnavailable(let message): return message
        }
    }
}
