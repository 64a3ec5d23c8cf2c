import OpubCore
import SQLKit

extension ProjectWrite {
    /// The key row as of now inside this transaction.
    public func key(_ id: KeyID) async throws -> ComputeKeyRecord {
        guard
            let row = try await sql.raw(
                "SELECT * FROM compute_keys WHERE id = \(bind: id.rawValue) AND project_id = \(bind: project.id.rawValue)"
            ).first()
        else { throw LedgerStoreError.unknownKey(id) }
        return try ComputeKeyRecord(row: row)
    }

    /// Create step 5: the provider key exists and carries its guardrail; store its hash, label and
    /// the link-token verifier, and make the key `active`. Throws ``IllegalKeyTransition`` when the
    /// key is no longer provisioning (the reconciler abandoned it meanwhile).
    public func activate(
        _ id: KeyID, providerHash: String, providerLabel: String, linkTokenVerifier: String
    ) async throws -> ComputeKeyRecord {
        _ = try await transition(id, .provisioned)
        try await sql.raw(
            """
            UPDATE compute_keys SET provider_hash = \(bind: providerHash), provider_label = \(bind: providerLabel),
                link_token_hash = \(bind: linkTokenVerifier)
            WHERE id = \(bind: id.rawValue)
            """
        ).run()
        return try await key(id)
    }

    /// Records the provider's lifetime usage for a key: posts `spend` for any growth over what opub
    /// recorded (idempotency key `spend:{ck}:{usage µ$}`, so the same reading is never posted twice).
    /// A reading at or below the recorded usage changes nothing.
    ///
    /// The spend covers `(since, now]`, where `since` is the later of the key's previous spend reading
    /// (or its creation) and `previousCycle`; it is **linked** — the transaction carries the session id —
    /// when a provider trace in that interval names one of the key's agent sessions, or else when one
    /// of them overlapped it (``LinkedSpend``).
    @discardableResult
    public func recordUsage(
        _ id: KeyID, usage: Money, previousCycle: Timestamp? = nil
    ) async throws
        -> LedgerPostResult?
    {
        let record = try await key(id)
        guard let reading = UsageGrowth(record, usage: usage, previousCycle: previousCycle) else { return nil }
        let now = clock.now()
        let sessions = try await Self.sessionWindows(of: [id], since: reading.since, until: now, db: sql)
        // Posting the spend also marks the day's detail due (``ProjectWrite/post``).
        return try await post(
            reading.intent, idempotencyKey: reading.idempotencyKey, memo: reading.memo,
            session: reading.linkedSession(until: now, among: sessions[id] ?? []), knownKeyReserved: record.reserved)
    }

    /// Returns everything the key still holds to available (idempotency key `release:{ck}:{reason}`).
    @discardableResult
    public func releaseAll(_ id: KeyID, reason: String) async throws -> LedgerPostResult? {
        let record = try await key(id)
        guard record.reserved.isPositive else { return nil }
        return try await post(
            .release(id, amount: record.reserved), idempotencyKey: "release:\(id.rawValue):\(reason)",
            memo: "Released from key \(record.name)")
    }
}

extension KeyStore {
    /// The active keys `user` created in `project`.
    public func active(in project: ProjectID, createdBy user: UserID) async throws -> [KeyID] {
        try await store.engine.read { db in
            try await db.raw(
                """
                SELECT id FROM compute_keys
                WHERE project_id = \(bind: project.rawValue) AND created_by = \(bind: user.rawValue)
                AND status = 'active' ORDER BY created_at
                """
            ).all().compactMap { KeyID(try $0.decode(column: "id", as: String.self)) }
        }
    }

    /// Keys whose spend detail is due — a day they spent on has ended before `today` (`YYYY-MM-DD`) —
    /// oldest due day first, at most `limit`. Revoked and expired keys are included while they are
    /// still at the provider.
    public func detailDue(before today: String, limit: Int) async throws -> [ComputeKeyRecord] {
        try await store.engine.read { db in
            try await db.raw(
                """
                SELECT * FROM compute_keys
                WHERE detail_due_day IS NOT NULL AND detail_due_day < \(bind: today) AND provider_hash IS NOT NULL
                ORDER BY detail_due_day, id LIMIT \(bind: max(limit, 0))
                """
            ).all().map(ComputeKeyRecord.init)
        }
    }

    /// How many of a project's keys spent on a day whose per-model detail has not arrived yet.
    public func detailPendingCount(of project: ProjectID) async throws -> Int {
        try await store.engine.read { db in
            try await db.raw(
                """
                SELECT COUNT(*) AS n FROM compute_keys
                WHERE project_id = \(bind: project.rawValue) AND detail_due_day IS NOT NULL
                """
            ).first()?.decode(column: "n", as: Int.self) ?? 0
        }
    }

    /// After a successful detail read at `now`: every completed day is read. The key stays due only if
    /// spend was recorded today (its detail arrives tomorrow).
    public func markDetailRead(_ id: KeyID, at now: Timestamp) async throws {
        let today = now.civilDate
        try await store.engine.write { db in
            try await db.raw(
                """
                UPDATE compute_keys SET detail_due_day = CASE WHEN (
                    SELECT created_at FROM ledger_transactions WHERE key_id = \(bind: id.rawValue) AND kind = 'spend'
                    ORDER BY sequence DESC LIMIT 1) >= \(bind: today.start.microsSinceEpoch)
                    THEN \(bind: today.iso8601) ELSE NULL END
                WHERE id = \(bind: id.rawValue) AND detail_due_day IS NOT NULL
                """
            ).run()
        }
    }

    /// How many keys ``reconcilable()`` returns now (the keys opub holds at the provider, roughly).
    public func reconcilableCount() async throws -> Int {
        try await store.engine.read { db in
            try await db.raw(
                """
                SELECT COUNT(*) AS n FROM compute_keys
                WHERE status <> 'disabled' OR provider_sync <> 'deleted_at_provider'
                """
            ).first()?.decode(column: "n", as: Int.self) ?? 0
        }
    }

    /// Every key the reconciler still has work for: active, provisioning, or disabled but not yet
    /// deleted at the provider.
    public func reconcilable() async throws -> [ComputeKeyRecord] {
        try await reconcilable { $0 }
    }

    /// ``reconcilable()``, each key turned by `transform` as its row arrives (nil leaves it out), so that
    /// the cycle over 100,000 keys holds only what it needs of each, never every full record at once.
    public func reconcilable<T: Sendable>(
        _ transform: @escaping @Sendable (ComputeKeyRecord) -> T?
    ) async throws -> [T] {
        try await store.engine.read { db in
            try await db.decodeEach(
                """
                SELECT * FROM compute_keys
                WHERE status <> 'disabled' OR provider_sync <> 'deleted_at_provider'
                ORDER BY project_id, created_at
                """
            ) { row in transform(try ComputeKeyRecord(row: row)) }
        }.compactMap { $0 }
    }
}

extension ProjectStore {
    /// Every project's available amount, for the reconcile planner.
    public func availableByProject() async throws -> [ProjectID: Money] {
        try await store.engine.read { db in
            var result: [ProjectID: Money] = [:]
            for row in try await db.raw("SELECT id, available_micros FROM projects").all() {
                guard let id = ProjectID(try row.decode(column: "id", as: String.self)) else { continue }
                result[id] = Money(micros: try row.decode(column: "available_micros", as: Int64.self))
            }
            return result
        }
    }
}
