/// The steps of key creation and revocation (`money.md`), named so that tests can stop the process
/// between any two of them and prove that a fresh process converges.
public enum LifecycleStep: String, Sendable, CaseIterable {
    /// Create 2 committed: the key is `provisioning` and its limit reserved.
    case reserved
    /// Create 3 done: the provider key exists and its secret is in memory.
    case providerKeyCreated
    /// Create 4 done: the guardrail is assigned (or none is configured).
    case guardrailAssigned
    /// Create 5 committed: the key is `active`.
    case activated
    /// Revoke 1 committed: the key is `disabled(revoked)`, provider sync `disable_pending`.
    case revokeRecorded
    /// Revoke 2 done: the provider key is disabled and its usage read.
    case providerDisabled
    /// Revoke 3 committed: spend and release posted, `disabled_at_provider`.
    case revokeSettled
    /// Rotate 1 committed: the successor is `provisioning` with limit 0.
    case successorInserted
    /// Rotate 2 done: the successor's provider key exists (limit 0) and its hash is stored.
    case successorCreated
    /// Rotate 3 done: the old key is disabled at the provider and its usage read.
    case oldKeyDisabled
    /// Rotate 4–5 done: the old key settled, the reservation moved, the successor active with its limit.
    case rotationSettled
}

/// Called after each step; production uses ``NoProbe``. A test probe throws to simulate a crash
/// right after a step.
public protocol LifecycleProbe: Sendable {
    func reached(_ step: LifecycleStep) async throws
}

/// Does nothing.
public struct NoProbe: LifecycleProbe {
    public init() {}
    public func reached(_ step: LifecycleStep) async throws {}
}
