/// What the provider reported about one of opub's keys (name `opub:{ck_id}`) in the bulk listing.
public struct ProviderKeySnapshot: Sendable, Hashable {
    public let hash: String
    /// The key id parsed from the provider name, nil when the name is `opub:` + something malformed.
    public let keyID: KeyID?
    public let disabled: Bool
    /// The provider-side limit; nil means unlimited.
    public let limit: Money?
    /// Lifetime usage, BYOK included (opub's keys set `include_byok_in_limit`).
    public let usage: Money

    public init(hash: String, keyID: KeyID?, disabled: Bool, limit: Money?, usage: Money) {
        self.hash = hash
        self.keyID = keyID
        self.disabled = disabled
        self.limit = limit
        self.usage = usage
    }

    /// The provider key name opub gives key `id`.
    public static func providerName(for id: KeyID) -> String { "opub:\(id.rawValue)" }

    /// The key id in a provider name, or nil when the name is not opub's.
    public static func keyID(fromProviderName name: String) -> KeyID? {
        guard name.hasPrefix("opub:") else { return nil }
        return KeyID(String(name.dropFirst("opub:".count)))
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

    public init(
        id: KeyID, projectID: ProjectID, state: ComputeKeyState, limit: Money, reserved: Money, spent: Money,
        providerHash: String?, expiresAt: Timestamp?, createdAt: Timestamp, disabledAt: Timestamp?
    ) {
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
    /// How often, at most, a cycle re-reads one key's usage detail (per model and day) after it spent
    /// (default 5 min): detail costs one provider call per key, so a busy cycle does not pay it for
    /// every key every minute. A session's end always reads it.
    public var detailRefreshSeconds: Int64
    /// At most this many usage-detail reads per cycle (default 100, as many calls as listing 10,000
    /// keys takes), the keys read longest ago first; the rest wait for later cycles.
    public var detailReadsPerCycle: Int

    public init(
        settleWindowSeconds: Int64 = 600, provisioningGraceSeconds: Int64 = 120, detailRefreshSeconds: Int64 = 300,
        detailReadsPerCycle: Int = 100
    ) {
        self.settleWindowSeconds = settleWindowSeconds
        self.provisioningGraceSeconds = provisioningGraceSeconds
        self.detailRefreshSeconds = detailRefreshSeconds
        self.detailReadsPerCycle = detailReadsPerCycle
    }
}
