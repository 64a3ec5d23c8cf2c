/// One thing a reconcile cycle must do. Every action is idempotent: executing it twice, or after a
/// crash half-way, converges on the same state.
public enum ReconcileAction: Sendable, Hashable {
    /// The provider reports more usage than opub recorded: post `spend` for the growth. The
    /// idempotency key is derived from the key id and `newUsage`.
    case recordSpend(KeyID, ProjectID, growth: Money, newUsage: Money)
    /// A key active locally is disabled or missing at the provider, or expired: disable it locally
    /// (and at the provider when it still exists), settle its usage and release its reservation.
    case disable(KeyID, ProjectID, reason: DisabledReason)
    /// Someone changed the provider-side limit outside opub: put opub's effective limit back.
    case restoreLimit(KeyID, hash: String, limit: Money)
    /// A revoke whose provider step did not finish: disable at the provider, settle, release.
    case finishDisable(KeyID, ProjectID)
    /// The settle window after a disable has passed: read usage a last time, delete the provider
    /// key, mark it deleted.
    case deleteAfterSettle(KeyID, ProjectID)
    /// A key stuck in `provisioning` past the grace period: delete any provider key named
    /// `opub:{id}`, mark it `provisioning_failed`, release its reservation.
    case abandonProvisioning(KeyID, ProjectID)
    /// The project is in debt: cut this key's reservation to `keep`, lower its provider limit to
    /// `newLimit` (= spent + keep).
    case cap(KeyID, ProjectID, keep: Money, newLimit: Money)
    /// A rotation stopped after the old key was disabled at the provider, its successor still
    /// `provisioning` past the grace: nobody holds the successor's secret, so the successor is
    /// abandoned and the old key enabled again at the provider, unchanged (``KeyRotation``).
    case undoRotation(old: KeyID, new: KeyID, ProjectID)
    /// A provider key named `opub:…` that matches no live local key: disable and delete it.
    case deleteOrphan(hash: String)
}

/// The outcome of planning one cycle.
public struct ReconcilePlan: Sendable, Hashable {
    public var actions: [ReconcileAction]
    /// Keys that spent this cycle (their per-model detail should be fetched).
    public var keysThatSpent: [KeyID]
    /// Conditions an operator should hear about (a key disabled or deleted behind opub's back).
    public var alerts: [String]
}
