import OpubCore
import SQLKit

/// The outcome of posting an intent.
public struct LedgerPostResult: Sendable, Hashable {
    public let transaction: LedgerTransaction
    /// True when the idempotency key had been used before: the original transaction is returned
    /// and nothing was written.
    public let replayed: Bool
}

/// Why the ledger store refused a post. Nothing was written.
public enum LedgerStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The money rules refused the intent (e.g. a reserve larger than available).
    case rule(LedgerRuleError)
    /// The idempotency key was used before for a different transaction.
    case idempotencyKeyReused(String, existing: TransactionID)
    /// The intent names a key of another project, or no key at all.
    case unknownKey(KeyID)
    case emptyIdempotencyKey

    public var description: String {
        switch self {
        case .rule(let error): return error.description
        case .idempotencyKeyReused(let key, let existing):
            return "The idempotency key '\(key)' already belongs to \(existing), a different transaction."
        case .unknownKey(let key): return "The project has no compute key \(key)."
        case .emptyIdempotencyKey: return "Every ledger transaction needs a non-empty idempotency key."
        }
    }
}

/// A write transaction that holds one project's lock. Obtained from ``Store/withProjectLock(_:_:)``;
/// valid only inside that closure.
public struct ProjectWrite: Sendable {
    let db: any SQLDatabase
    let kind: EngineKind
    let clock: any TimeSource
    /// The project row as it was when the lock was taken.
    public let project: ProjectRecord

    /// Records `intent` in the project's chain: returns the original when `idempotencyKey` was used
    /// before (writing nothing), otherwise checks the money rules against the current balances,
    /// appends the transaction and its postings, and updates the cached balances and chain head.
    public func post(
        _ intent: LedgerIntent, idempotencyKey: String, memo: String, session: SessionID? = nil
    ) async throws -> LedgerPostResult {
        guard !idempotencyKey.isEmpty else { throw LedgerStoreError.emptyIdempotencyKey }
        if let existing = try await LedgerRows.transaction(idempotencyKey: idempotencyKey, db: db) {
            guard existing.projectID == project.id, existing.kind == intent.kind, existing.keyID == intent.keyID,
                existing.donationID == intent.donationID
            else { throw LedgerStoreError.idempotencyKeyReused(idempotencyKey, existing: existing.id) }
            return LedgerPostResult(transaction: existing, replayed: true)
        }

        // Current position, read under the lock (the row may have changed earlier in this transaction).
        guard
            let projectRow = try await db.raw(
                "SELECT available_micros, chain_length, chain_head FROM projects WHERE id = \(bind: project.id.rawValue)"
            ).first()
        else { throw StoreError.notFound("No project has the id \(project.id).") }
        let available = Money(micros: try projectRow.decode(column: "available_micros", as: Int64.self))
        let chainLength = try projectRow.decode(column: "chain_length", as: Int64.self)
        let chainHead = try projectRow.decode(column: "chain_head", as: String?.self) ?? LedgerHashChain.genesis
        var keyReserved = Money.zero
        if let key = intent.keyID {
            guard
                let keyRow = try await db.raw(
                    """
                    SELECT reserved_micros FROM compute_keys
                    WHERE id = \(bind: key.rawValue) AND project_id = \(bind: project.id.rawValue)
                    """
                ).first()
            else { throw LedgerStoreError.unknownKey(key) }
            keyReserved = Money(micros: try keyRow.decode(column: "reserved_micros", as: Int64.self))
        }

        let position = LedgerPosition(available: available, keyReserved: keyReserved)
        let postings: [Posting]
        do {
            postings = try LedgerRules.postings(for: intent, project: project.id, position: position)
        } catch {
            throw LedgerStoreError.rule(error)
        }
        let after = LedgerRules.applying(postings, to: position)
        let transaction = LedgerTransaction.chained(
            id: .random(), projectID: project.id, sequence: chainLength + 1, kind: intent.kind,
            idempotencyKey: idempotencyKey, keyID: intent.keyID, donationID: intent.donationID, sessionID: session,
            memo: memo, createdAt: clock.now(), postings: postings, previousHash: chainHead)

        try await LedgerRows.insert(transaction, db: db)
        try await db.raw(
            """
            UPDATE projects SET available_micros = \(bind: after.available.micros),
                chain_length = \(bind: transaction.sequence), chain_head = \(bind: transaction.hash)
            WHERE id = \(bind: project.id.rawValue)
            """
        ).run()
        if let key = intent.keyID {
            let spent = intent.kind == .spend ? intent.amount.micros : 0
            try await db.raw(
                """
                UPDATE compute_keys SET reserved_micros = \(bind: after.keyReserved.micros),
                    spent_micros = spent_micros + \(bind: spent), updated_at = \(bind: transaction.createdAt.microsSinceEpoch)
                WHERE id = \(bind: key.rawValue)
                """
            ).run()
        }
        return LedgerPostResult(transaction: transaction, replayed: false)
    }

    /// The project's available amount as of now inside this transaction.
    public func currentAvailable() async throws -> Money {
        guard
            let row = try await db.raw(
                "SELECT available_micros FROM projects WHERE id = \(bind: project.id.rawValue)"
            ).first()
        else { throw StoreError.notFound("No project has the id \(project.id).") }
        return Money(micros: try row.decode(column: "available_micros", as: Int64.self))
    }

    /// The raw connection, for repositories that add rows in the same transaction.
    var sql: any SQLDatabase { db }
}
