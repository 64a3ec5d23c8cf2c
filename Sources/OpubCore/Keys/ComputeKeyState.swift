/// Why a compute key was disabled. Disabled is final; the dashboard offers a replacement instead.
public enum DisabledReason: String, Sendable, Hashable, CaseIterable, Codable {
    case revoked
    case balanceExhausted = "balance_exhausted"
    case expired
    case provisioningFailed = "provisioning_failed"
    case providerMissing = "provider_missing"
    case providerDisabled = "provider_disabled"
    case suspended
    /// The maintainer who created the key lost admin or maintain permission on the repository (or
    /// the repository went private, was archived, or became another repository).
    case maintainerLostAccess = "maintainer_lost_access"
    /// Replaced by a new key that took over its reservation (`money.md`, "Rotate").
    case rotated
}

/// How far the provider has caught up with a local disable.
public enum ProviderSync: String, Sendable, Hashable, CaseIterable, Codable, Comparable {
    /// Disabled locally; the provider key may still work until opub disables it there.
    case disablePending = "disable_pending"
    /// The provider confirmed the key is disabled; usage may still trickle in until the settle window ends.
    case disabledAtProvider = "disabled_at_provider"
    /// The provider key is gone (deleted by opub, or never existed).
    case deletedAtProvider = "deleted_at_provider"

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rank < rhs.rank }
    private var rank: Int { Self.allCases.firstIndex(of: self)! }
}

/// The public state of a compute key: `provisioning → active → disabled(reason, sync)`.
public enum ComputeKeyState: Sendable, Hashable, CustomStringConvertible {
    case provisioning
    case active
    case disabled(DisabledReason, ProviderSync)

    /// The stored status column: `provisioning`, `active` or `disabled`.
    public var status: String {
        switch self {
        case .provisioning: return "provisioning"
        case .active: return "active"
        case .disabled: return "disabled"
        }
    }

    /// What a key in this state may still spend (`money.md`, invariant 3): its limit minus its spend
    /// while it is live (provisioning or active), never below zero; nothing once it is disabled.
    public func remaining(limit: Money, spent: Money) -> Money {
        reason != nil ? .zero : max(.zero, limit - spent)
    }

    public var reason: DisabledReason? {
        if case .disabled(let reason, _) = self { return reason }
        return nil
    }

    public var providerSync: ProviderSync? {
        if case .disabled(_, let sync) = self { return sync }
        return nil
    }

    /// Whether opub's ledger still owes this key a settlement: a disabled key keeps its
    /// reservation until the provider confirms it can no longer spend.
    public var isSettled: Bool {
        switch self {
        case .provisioning, .active: return false
        case .disabled(_, let sync): return sync != .disablePending
        }
    }

    public var description: String {
        switch self {
        case .provisioning, .active: return status
        case .disabled(let reason, let sync): return "disabled(\(reason.rawValue), \(sync.rawValue))"
        }
    }

    /// Rebuilds a state from its stored columns; nil for a combination the state machine cannot reach.
    public init?(status: String, reason: String?, sync: String?) {
        switch (status, reason, sync) {
        case ("provisioning", nil, nil): self = .provisioning
        case ("active", nil, nil): self = .active
        case ("disabled", let reason?, let sync?):
            guard let reason = DisabledReason(rawValue: reason), let sync = ProviderSync(rawValue: sync) else {
                return nil
            }
            self = .disabled(reason, sync)
        default: return nil
        }
    }
}

/// Something that happens to a key.
public enum ComputeKeyEvent: Sendable, Hashable, CustomStringConvertible {
    /// The provider key exists, carries its guardrail, and its hash is stored.
    case provisioned
    /// opub disables the key for `reason`.
    case disable(DisabledReason)
    /// The provider confirmed the key is disabled there.
    case confirmedDisabledAtProvider
    /// The provider key was deleted, or the provider has no such key.
    case confirmedDeletedAtProvider

    public var description: String {
        switch self {
        case .provisioned: return "provisioned"
        case .disable(let reason): return "disable(\(reason.rawValue))"
        case .confirmedDisabledAtProvider: return "confirmed disabled at provider"
        case .confirmedDeletedAtProvider: return "confirmed deleted at provider"
        }
    }
}

/// A transition the state machine does not allow.
public struct IllegalKeyTransition: Error, Equatable, Sendable, CustomStringConvertible {
    public let from: ComputeKeyState
    public let event: ComputeKeyEvent

    public var description: String { "A key that is \(from) cannot take '\(event)'." }
}

extension ComputeKeyState {
    /// The legal transitions, and nothing else:
    ///
    /// - `provisioning` + provisioned → `active`
    /// - `provisioning` + disable(provisioning_failed) → `disabled(provisioning_failed, disable_pending)`
    /// - `active` + disable(r), r ≠ provisioning_failed → `disabled(r, disable_pending)`
    /// - `disabled(r, disable_pending)` + confirmed disabled → `disabled(r, disabled_at_provider)`
    /// - `disabled(r, disable_pending | disabled_at_provider)` + confirmed deleted → `disabled(r, deleted_at_provider)`
    ///
    /// Disabled never returns to active.
    public func applying(_ event: ComputeKeyEvent) throws(IllegalKeyTransition) -> ComputeKeyState {
        switch (self, event) {
        case (.provisioning, .provisioned):
            return .active
        case (.provisioning, .disable(.provisioningFailed)):
            return .disabled(.provisioningFailed, .disablePending)
        case (.active, .disable(let reason)) where reason != .provisioningFailed:
            return .disabled(reason, .disablePending)
        case (.disabled(let reason, .disablePending), .confirmedDisabledAtProvider):
            return .disabled(reason, .disabledAtProvider)
        case (.disabled(let reason, .disablePending), .confirmedDeletedAtProvider),
            (.disabled(let reason, .disabledAtProvider), .confirmedDeletedAtProvider):
            return .disabled(reason, .deletedAtProvider)
        default:
            throw IllegalKeyTransition(from: self, event: event)
        }
    }
}
