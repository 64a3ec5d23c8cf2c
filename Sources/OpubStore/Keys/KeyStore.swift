import OpubCore
import SQLKit

/// Compute key rows and the reservation that creates them.
public struct KeyStore: Sendable {
    let store: Store

    /// Step 2 of key creation (`money.md`): under the project's lock, re-check available ≥ `limit`,
    /// insert the key as `provisioning`, and post `reserve limit`, in one transaction. Throws
    /// ``LedgerStoreError/rule(_:)`` with ``LedgerRuleError/insufficientAvailable(available:requested:)``
    /// and writes nothing when the project cannot afford it.
    public func reserveNewKey(
        in project: ProjectID, _ request: KeyRequest, createdBy: UserID? = nil, id: KeyID = .random()
    ) async throws -> ComputeKeyRecord {
        try await store.withProjectLock(project) { write in
            try await write.insertProvisioningKey(id: id, request, createdBy: createdBy)
        }
    }

    public func find(_ id: KeyID) async throws -> ComputeKeyRecord? {
        try await store.engine.read { db in
            try await db.raw("SELECT * FROM compute_keys WHERE id = \(bind: id.rawValue)").first()
                .map(ComputeKeyRecord.init)
        }
    }

    /// The key whose link-token verifier (SHA-256 of the token, hex) is `verifier`. The verifier is
    /// the hash of a 256-bit secret, so finding by it reveals nothing; the caller still compares
    /// the token with the stored verifier in constant time.
    public func find(linkTokenVerifier verifier: String) async throws -> ComputeKeyRecord? {
        try await store.engine.read { db in
            try await db.raw("SELECT * FROM compute_keys WHERE link_token_hash = \(bind: verifier)").first()
                .map(ComputeKeyRecord.init)
        }
    }

    /// The project's keys, newest first.
    public func all(in project: ProjectID) async throws -> [ComputeKeyRecord] {
        try await store.engine.read { db in
            try await db.raw(
                "SELECT * FROM compute_keys WHERE project_id = \(bind: project.rawValue) ORDER BY created_at DESC, id DESC"
            ).all().map(ComputeKeyRecord.init)
        }
    }
}

extension ProjectWrite {
    /// Inserts a `provisioning` key and reserves its limit, inside this locked transaction. A monthly
    /// request reserves this month's allowance in full now. ``LedgerRules/checkReserve(_:available:)`` is
    /// checked before the row is written, so a refusal writes nothing even inside a longer transaction.
    public func insertProvisioningKey(
        id: KeyID, _ request: KeyRequest, createdBy: UserID?
    ) async throws -> ComputeKeyRecord {
        let now = clock.now()
        let name = request.name
        let limit = request.limit
        let monthly = request.isMonthly
        let expiresAt = request.expiresAt
        do {
            try LedgerRules.checkReserve(limit, available: try await currentAvailable())
        } catch let rule as LedgerRuleError {
            throw LedgerStoreError.rule(rule)
        }
        try await sql.raw(
            """
            INSERT INTO compute_keys (id, project_id, name, status, limit_micros, expires_at, created_by, created_at,
                updated_at, allowance_micros, allowance_month)
            VALUES (\(bind: id.rawValue), \(bind: project.id.rawValue), \(bind: name), 'provisioning', \(bind: limit.micros),
                    \(bind: expiresAt?.microsSinceEpoch), \(bind: createdBy?.rawValue), \(bind: now.microsSinceEpoch),
                    \(bind: now.microsSinceEpoch), \(bind: monthly ? limit.micros : nil),
                    \(bind: monthly ? AllowanceMonth(now).description : nil))
            """
        ).run()
        let reserve = try await post(
            .reserve(id, amount: limit), idempotencyKey: "reserve:\(id.rawValue):create",
            memo: "Reserved for key \(name)", session: nil, knownKeyReserved: .zero)
        return ComputeKeyRecord(
            id: id, projectID: project.id, name: name, state: .provisioning, limit: limit, reserved: limit,
            spent: .zero, providerHash: nil, providerLabel: nil, linkTokenHash: nil, expiresAt: expiresAt,
            createdBy: createdBy, createdAt: now, updatedAt: reserve.transaction.createdAt, disabledAt: nil,
            allowance: monthly ? limit : nil, allowanceMonth: monthly ? AllowanceMonth(now) : nil)
    }

    /// Moves a key through its state machine; an illegal transition throws and writes nothing.
    public func transition(_ key: KeyID, _ event: ComputeKeyEvent) async throws -> ComputeKeyState {
        guard
            let row = try await sql.raw(
                "SELECT * FROM compute_keys WHERE id = \(bind: key.rawValue) AND project_id = \(bind: project.id.rawValue)"
            ).first()
        else { throw LedgerStoreError.unknownKey(key) }
        let record = try ComputeKeyRecord(row: row)
        let next = try record.state.applying(event)
        let now = clock.now().microsSinceEpoch
        try await sql.raw(
            """
            UPDATE compute_keys SET status = \(bind: next.status), disabled_reason = \(bind: next.reason?.rawValue),
                provider_sync = \(bind: next.providerSync?.rawValue), updated_at = \(bind: now),
                disabled_at = CASE WHEN disabled_at IS NULL AND \(bind: next.status) = 'disabled' THEN \(bind: now) ELSE disabled_at END
            WHERE id = \(bind: key.rawValue)
            """
        ).run()
        return next
    }

    /// The cap (`money.md`, reconciliation 3): cuts a live key's reservation down to `kept`, lowers
    /// its effective limit to spent + `kept`, and posts `release` for the cut — one transaction.
    /// The caller then lowers the provider-side limit to the returned effective limit.
    public func cutReservation(
        _ key: KeyID, keeping kept: Money, idempotencyKey: String, memo: String
    ) async throws -> (result: LedgerPostResult, limit: Money) {
        guard
            let row = try await sql.raw(
                "SELECT * FROM compute_keys WHERE id = \(bind: key.rawValue) AND project_id = \(bind: project.id.rawValue)"
            ).first()
        else { throw LedgerStoreError.unknownKey(key) }
        let record = try ComputeKeyRecord(row: row)
        if let existing = try await LedgerRows.transaction(idempotencyKey: idempotencyKey, db: sql) {
            return (LedgerPostResult(transaction: existing, replayed: true), record.limit)
        }
        guard record.state == .active || record.state == .provisioning else {
            throw StoreError.conflict("Key \(key) is \(record.state); only a live key's reservation can be cut.")
        }
        guard !kept.isNegative, kept < record.reserved else {
            throw StoreError.conflict(
                "Key \(key) holds \(record.reserved.usdString); cannot cut it to \(kept.usdString).")
        }
        let limit = record.spent + kept
        try await sql.raw(
            "UPDATE compute_keys SET limit_micros = \(bind: limit.micros) WHERE id = \(bind: key.rawValue)"
        ).run()
        let result = try await post(
            .release(key, amount: record.reserved - kept), idempotencyKey: idempotencyKey, memo: memo)
        return (result, limit)
    }
}
