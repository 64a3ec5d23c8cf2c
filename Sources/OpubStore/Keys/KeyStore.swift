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
        try await reserve(KeyReservation(id: id, request: request, createdBy: createdBy), in: project)
    }

    /// Steps 1–2 of key creation, group-committed: concurrent reservations of one project wait for the
    /// write in flight and are then applied together, in arrival order, in one transaction (one durable
    /// commit, a handful of statements for the whole batch). Each is still checked on its own — its
    /// ``KeyReservation/check`` and ``LedgerRules/checkReserve(_:available:)`` against what is available
    /// after the ones before it — and a refused one fails alone, writing nothing. The caller is answered
    /// after the batch committed. When the batch's write itself fails (a database error), each
    /// reservation is tried again on its own, so one bad row cannot fail its neighbours.
    public func reserve(_ reservation: KeyReservation, in project: ProjectID) async throws -> ComputeKeyRecord {
        let store = self.store
        return try await store.engine.groupCommits.reservations.submit(reservation, to: project) { project, batch in
            do {
                return try await store.withProjectLock(project) { try await $0.insertProvisioningKeys(batch) }
            } catch {
                guard batch.count > 1, !(error is CancellationError) else { throw error }
                var outcomes: [Result<ComputeKeyRecord, any Error>] = []
                for reservation in batch {
                    do {
                        let key = try await store.withProjectLock(project) { write in
                            try await write.insertProvisioningKeys([reservation])[0].get()
                        }
                        outcomes.append(.success(key))
                    } catch {
                        outcomes.append(.failure(error))
                    }
                }
                return outcomes
            }
        }
    }

    public func find(_ id: KeyID) async throws -> ComputeKeyRecord? {
        try await store.engine.read { db in
            try await db.raw("SELECT * FROM compute_keys WHERE id = \(bind: id.rawValue)").first()
                .map(ComputeKeyRecord.init)
        }
    }

    /// The keys among `ids` that exist, by id.
    public func find(_ ids: [KeyID]) async throws -> [KeyID: ComputeKeyRecord] {
        let rows = try await store.readEach(of: ids) { db, ids in
            try await db.raw("SELECT * FROM compute_keys WHERE id IN (\(binds: ids))").all()
        }
        let records = try rows.map(ComputeKeyRecord.init)
        return Dictionary(records.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
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
        try await insertProvisioningKeys([KeyReservation(id: id, request: request, createdBy: createdBy)])[0].get()
    }

    /// Inserts `provisioning` keys and reserves their limits, in order: each reservation is checked
    /// (its own ``KeyReservation/check``, then the reserve rule) against what the ones before it left
    /// available, and a refused one is answered with its error and writes nothing. The accepted ones are
    /// written with three statements in all — their key rows, their `reserve` transactions (hash-chained
    /// in order), their postings — whatever their number; the project row is written once, at the end of
    /// the locked transaction.
    func insertProvisioningKeys(_ batch: [KeyReservation]) async throws -> [Result<ComputeKeyRecord, any Error>] {
        let now = clock.now()
        var chain = position.current
        var outcomes: [Result<ComputeKeyRecord, any Error>] = []
        var keys: [ComputeKeyRecord] = []
        var transactions: [LedgerTransaction] = []
        for reservation in batch {
            let request = reservation.request
            let intent = LedgerIntent.reserve(reservation.id, amount: request.limit)
            do {
                try reservation.check?(project, chain.totals.available)
                let transaction: LedgerTransaction
                do {
                    try LedgerRules.checkReserve(request.limit, available: chain.totals.available)
                    (transaction, _) = try chain.next(
                        intent, project: project.id, keyReserved: .zero, donationHeld: .zero,
                        idempotencyKey: "reserve:\(reservation.id.rawValue):create",
                        memo: "Reserved for key \(request.name)",
                        session: nil, at: now)
                } catch let rule as LedgerRuleError {
                    throw LedgerStoreError.rule(rule)
                }
                let monthly = request.isMonthly
                let key = ComputeKeyRecord(
                    id: reservation.id, projectID: project.id, name: request.name, state: .provisioning,
                    limit: request.limit, reserved: request.limit, spent: .zero, providerHash: nil, providerLabel: nil,
                    linkTokenHash: nil, expiresAt: request.expiresAt, createdBy: reservation.createdBy, createdAt: now,
                    updatedAt: now, disabledAt: nil, allowance: monthly ? request.limit : nil,
                    allowanceMonth: monthly ? AllowanceMonth(now) : nil)
                keys.append(key)
                transactions.append(transaction)
                outcomes.append(.success(key))
            } catch {
                outcomes.append(.failure(error))
            }
        }
        guard !keys.isEmpty else { return outcomes }
        var rows = SQLQueryString(
            """
            INSERT INTO compute_keys (id, project_id, name, status, limit_micros, reserved_micros, expires_at,
                created_by, created_at, updated_at, allowance_micros, allowance_month) VALUES\u{20}
            """)
        for (index, key) in keys.enumerated() {
            if index > 0 { rows.appendLiteral(", ") }
            rows.appendLiteral("(")
            rows.appendInterpolation(
                binds: [
                    key.id.rawValue, project.id.rawValue, key.name, "provisioning", key.limit.micros,
                    key.reserved.micros, key.expiresAt?.microsSinceEpoch, key.createdBy?.rawValue,
                    now.microsSinceEpoch, now.microsSinceEpoch, key.allowance?.micros, key.allowanceMonth?.description,
                ] as [any Encodable & Sendable])
            rows.appendLiteral(")")
        }
        try await sql.raw(rows).run()
        try await LedgerRows.insertAll(transactions, db: sql)
        position.update(chain)
        return outcomes
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

/// One new key's reservation (key creation step 2), as ``KeyStore/reserve(_:in:)`` applies it.
public struct KeyReservation: Sendable {
    public let id: KeyID
    public let request: KeyRequest
    public let createdBy: UserID?
    /// The caller's own checks of the request against the locked project and what it has available
    /// (after the reservations before it in the batch), e.g. ``KeyRequestRules``; a throw refuses this
    /// reservation alone.
    public let check: (@Sendable (ProjectRecord, Money) throws -> Void)?

    public init(
        id: KeyID = .random(), request: KeyRequest, createdBy: UserID? = nil,
        check: (@Sendable (ProjectRecord, Money) throws -> Void)? = nil
    ) {
        self.id = id
        self.request = request
        self.createdBy = createdBy
        self.check = check
    }
}
