import OpubCore
import SQLKit

/// The store's part of a rotation (``KeyRotation``), each step inside the project's locked transaction.
extension ProjectWrite {
    /// The `provisioning` successor of `old`, if a rotation of it is in progress.
    public func successorInProgress(of old: KeyID) async throws -> KeyID? {
        try await sql.raw(
            "SELECT id FROM compute_keys WHERE replaces = \(bind: old.rawValue) AND status = 'provisioning'"
        ).first().flatMap { KeyID(try $0.decode(column: "id", as: String.self)) }
    }

    /// Rotation step 1: checks that `old` may be rotated and inserts its successor `provisioning`, with
    /// the same name, expiry and allowance (and allowance month: it takes over this month's
    /// reservation), limit 0 and nothing reserved. Throws ``KeyRotation/Refusal``.
    public func insertSuccessor(of old: KeyID, id: KeyID, createdBy: UserID?) async throws -> ComputeKeyRecord {
        let current = try await key(old)
        let now = clock.now()
        try KeyRotation.check(
            state: current.state, expiresAt: current.expiresAt,
            successorInProgress: try await successorInProgress(of: old),
            projectSuspended: project.suspendedAt != nil, projectAvailable: try await currentAvailable(), now: now)
        try await sql.raw(
            """
            INSERT INTO compute_keys (id, project_id, name, status, limit_micros, expires_at, created_by, created_at,
                updated_at, replaces, allowance_micros, allowance_month)
            VALUES (\(bind: id.rawValue), \(bind: project.id.rawValue), \(bind: current.name), 'provisioning', 0,
                \(bind: current.expiresAt?.microsSinceEpoch), \(bind: createdBy?.rawValue), \(bind: now.microsSinceEpoch),
                \(bind: now.microsSinceEpoch), \(bind: old.rawValue), \(bind: current.allowance?.micros),
                \(bind: current.allowanceMonth?.description))
            """
        ).run()
        return try await key(id)
    }

    /// Rotation step 2: the successor's provider key (created with limit 0) and link-token verifier,
    /// stored while the successor stays `provisioning`. Throws ``IllegalKeyTransition`` when the key is
    /// no longer provisioning (the reconciler abandoned it meanwhile).
    public func recordProviderKey(
        _ id: KeyID, providerHash: String, providerLabel: String, linkTokenVerifier: String
    ) async throws {
        let current = try await key(id)
        guard current.state == .provisioning else {
            // Every other state refuses `provisioned`: the state machine's own error says so.
            _ = try current.state.applying(.provisioned)
            throw StoreError.conflict("Key \(id) is no longer provisioning.")
        }
        try await sql.raw(
            """
            UPDATE compute_keys SET provider_hash = \(bind: providerHash), provider_label = \(bind: providerLabel),
                link_token_hash = \(bind: linkTokenVerifier)
            WHERE id = \(bind: id.rawValue)
            """
        ).run()
    }

    /// Rotation step 4, once `old` is disabled at the provider with lifetime usage `oldUsage`: posts its
    /// usage growth as spend, disables it as `rotated` (already disabled at the provider) naming its
    /// successor, moves its remaining reservation to `new` (a `release` and a `reserve` of the same
    /// amount, so available does not move), and activates `new` with that limit. Idempotent: a
    /// rotation already completed returns the successor unchanged. Throws
    /// ``KeyRotation/Refusal/overtaken`` when `old` is no longer active (revoked meanwhile) or `new` no
    /// longer provisioning (abandoned by the reconciler).
    public func completeRotation(old: KeyID, new: KeyID, oldUsage: Money) async throws -> ComputeKeyRecord {
        let successor = try await key(new)
        guard successor.replaces == old else {
            throw StoreError.conflict("Key \(new) is not the successor of \(old).")
        }
        if successor.state == .active { return successor }
        let previous = try await key(old)
        guard successor.state == .provisioning, successor.providerHash != nil, previous.state == .active else {
            throw KeyRotation.Refusal.overtaken
        }
        _ = try await recordUsage(old, usage: oldUsage)
        let held = try await key(old).reserved
        _ = try await transition(old, .disable(.rotated))
        _ = try await transition(old, .confirmedDisabledAtProvider)
        try await sql.raw(
            "UPDATE compute_keys SET replaced_by = \(bind: new.rawValue) WHERE id = \(bind: old.rawValue)"
        ).run()
        var moved = Money.zero
        if held.isPositive {
            _ = try await post(
                .release(old, amount: held), idempotencyKey: "rotate:\(old.rawValue):release",
                memo: "Moved to key \(successor.name) (\(new.rawValue)) by a rotation")
            moved = KeyRotation.transfer(released: held, availableAfterRelease: try await currentAvailable())
        }
        // The successor's effective limit is what it spent (nothing, unless the provider reported usage
        // while it was provisioning) plus what it now holds.
        try await sql.raw(
            """
            UPDATE compute_keys SET limit_micros = \(bind: (successor.spent + moved).micros)
            WHERE id = \(bind: new.rawValue)
            """
        ).run()
        if moved.isPositive {
            _ = try await post(
                .reserve(new, amount: moved), idempotencyKey: "rotate:\(new.rawValue):reserve",
                memo: "Taken over from key \(previous.name) (\(old.rawValue)) by a rotation")
        }
        _ = try await transition(new, .provisioned)
        return try await key(new)
    }
}
