/// What the provider reported about one of opub's keys (name `opub:{ck_id}`) in the bulk listing.
public struct ProviderKeySnapshot: Sendable, Hashable {
    public let hash: String
    /// The key id parsed from the provider name, nil when the name is `opub:` + something malformed.
    public let keyID: KeyID?
    public let disabled: Bool
    /// The provider-side limit; nil means unlimited.
    public let limit: Money?
    /// Lifetime spend, BYOK included (``ProviderSpend``).
    public let usage: Money

    public init(hash: String, keyID: KeyID?, disabled: Bool, limit: Money?, usage: Money) {
        self.hash = hash
        self.keyID = keyID
        self.disabled = disabled
        self.limit = limit
        self.usage = usage
    }

    /// The provider key name opub gives key `id`.
    public static func providerName(for id: KeyID) -> String { ProviderKeyName.of(id) }

    /// The key id in a provider name, or nil when the name is not opub's.
    public static func keyID(fromProviderName name: String) -> KeyID? {
        guard ProviderKeyName.isOpubs(name) else { return nil }
        return KeyID(String(name.dropFirst(ProviderKeyName.prefix.count)))
    }
}

/// opub's own record of a key the reconciler still has work for.
public struct LocalKeySnapshot: Sendable, Hashable {
    public let id: KeyID
    public let projectID: ProjectID
    public let state: ComputeKeyState
    /// opub's effective limit.
    public let limit: Money
    public let reserved: Money
    /// Provider usage last recorded.
    public let spent: Money
    public let providerHash: String?
    public let expiresAt: Timestamp?
    public let createdAt: Timestamp
    /// When the key was disabled (the settle window runs from here).
    public let disabledAt: Timestamp?
    /// Spend detail of a day the key spent on has not been read yet: a disabled key stays at the
    /// provider (disabled, unable to spend) until it has, since nothing promises activity for a
    /// deleted key.
    public let detailDue: Bool
    /// For a key made by a rotation: the key it replaces (``KeyRotation``).
    public let replaces: KeyID?

    public init(
        id: KeyID, projectID: ProjectID, state: ComputeKeyState, limit: Money, reserved: Money, spent: Money,
        providerHash: String?, expiresAt: Timestamp?, createdAt: Timestamp, disabledAt: Timestamp?,
        detailDue: Bool = false, replaces: KeyID? = nil
    ) {
        self.detailDue = detailDue
        self.replaces = replaces
        self.id = id
        self.projectID = projectID
        self.state = state
        self.limit = limit
        self.reserved = reserved
        self.spent = spent
        self.providerHash = providerHash
        self.expiresAt = expiresAt
        self.createdAt = createdAt
        self.disabledAt = disabledAt
    }
}

/// Timing rules of reconciliation.
public struct ReconcilePolicy: Sendable, Hashable {
    /// How long a disabled key may still receive charges for requests that were in flight (default 10 min).
    public var settleWindowSeconds: Int64
    /// How long a key may stay `provisioning` before it is cleaned up (default 2 min).
    public var provisioningGraceSeconds: Int64
    /// At most this many usage-detail reads per cycle (default 100, as many calls as listing 10,000
    /// keys takes), the keys whose due day is oldest first; the rest wait for later cycles. Detail comes
    /// a day late (a key is read once a day it spent on has ended), so at one cycle a minute 10,000
    /// spending keys are all read within 100 minutes of midnight UTC.
    public var detailReadsPerCycle: Int

    public init(settleWindowSeconds: Int64 = 600, provisioningGraceSeconds: Int64 = 120, detailReadsPerCycle: Int = 100)
    {
        self.settleWindowSeconds = settleWindowSeconds
        self.provisioningGraceSeconds = provisioningGraceSeconds
        self.detailReadsPerCycle = detailReadsPerCycle
    }
}
