import Foundation
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

/// The project's chain position inside one write transaction: read once when the lock is taken and
/// kept current by every post, so a post needs no extra read of the project row.
///
/// `@unchecked Sendable`: a ``ProjectWrite`` is used by one task at a time (the closure of
/// ``Store/withProjectLock(_:_:)`` runs its statements sequentially on one connection), and the
/// mutex makes even accidental concurrent use safe.
final class ChainPosition: @unchecked Sendable {
    struct Value {
        var available: Money
        var length: Int64
        var head: String
    }

    private let lock = NSLock()
    private var value: Value

    init(_ project: ProjectRecord) {
        value = Value(
            available: project.available, length: project.chainLength,
            head: project.chainHead ?? LedgerHashChain.genesis)
    }

    var current: Value {
        lock.lock()
        defer { lock.unlock() }
        return value
    }

    func update(_ next: Value) {
        lock.lock()
        value = next
        lock.unlock()
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
    let position: ChainPosition

    init(db: any SQLDatabase, kind: EngineKind, clock: any TimeSource, project: ProjectRecord) {
        self.db = db
        self.kind = kind
        self.clock = clock
        self.project = project
        self.position = ChainPosition(project)
    }

    /// Records `intent` in the project's chain: returns the original when `idempotencyKey` was used
    /// before (writing nothing), otherwise checks the money rules against the current balances,
    /// appends the transaction and its postings, and updates the cached balances and chain head.
    public func post(
        _ intent: LedgerIntent, idempotencyKey: String, memo: String, session: SessionID? = nil
    ) async throws -> LedgerPostResult {
        try await post(intent, idempotencyKey: idempotencyKey, memo: memo, session: session, knownKeyReserved: nil)
    }

    /// `knownKeyReserved`: what the intent's key holds, when the caller knows it (a key inserted in
    /// this transaction holds nothing), saving a read.
    func post(
        _ intent: LedgerIntent, idempotencyKey: String, memo: String, session: SessionID?, knownKeyReserved: Money?
    ) async throws -> LedgerPostResult {
        guard !idempotencyKey.isEmpty else { throw LedgerStoreError.emptyIdempotencyKey }
        var keyReserved = knownKeyReserved ?? .zero
        if let key = intent.keyID, knownKeyReserved == nil {
            guard
                let keyRow = try await db.raw(
                    """
                    SELECT reserved_micros FROM compute_keys
                    WHERE id = \(bind: key.rawValue) AND project_id = \(bind: project.id.rawValue)
                    """
                ).first()
            else {
                if let replay = try await replay(of: intent, idempotencyKey: idempotencyKey) { return replay }
                throw LedgerStoreError.unknownKey(key)
            }
            keyReserved = Money(micros: try keyRow.decode(column: "reserved_micros", as: Int64.self))
        }

        let chain = position.current
        let before = LedgerPosition(available: chain.available, keyReserved: keyReserved)
        let postings: [Posting]
        do {
            postings = try LedgerRules.postings(for: intent, project: project.id, position: before)
        } catch {
            // A replay is answered with the original even when the rules would now refuse it.
            if let replay = try await replay(of: intent, idempotencyKey: idempotencyKey) { return replay }
            throw LedgerStoreError.rule(error)
        }
        let after = LedgerRules.applying(postings, to: before)
        let transaction = LedgerTransaction.chained(
            id: .random(), projectID: project.id, sequence: chain.length + 1, kind: intent.kind,
            idempotencyKey: idempotencyKey, keyID: intent.keyID, donationID: intent.donationID, sessionID: session,
            memo: memo, createdAt: clock.now(), postings: postings, previousHash: chain.head)

        // The unique idempotency key decides: no row inserted means this is a replay.
        guard try await LedgerRows.insertUnlessReplay(transaction, db: db) else {
            if let replay = try await replay(of: intent, idempotencyKey: idempotencyKey) { return replay }
            throw StoreError.corrupt("idempotency key '\(idempotencyKey)' conflicted but no transaction has it")
        }
        try await db.raw(
            """
            UPDATE projects SET available_micros = \(bind: after.available.micros),
                chain_length = \(bind: transaction.sequence), chain_head = \(bind: transaction.hash)
            WHERE id = \(bind: project.id.rawValue)
            """
        ).run()
        if let key = intent.keyID {
            let spent = intent.kind == .spend ? intent.amount.micros : 0
            let at = transaction.createdAt.microsSinceEpoch
            // A spend is a usage reading: linked-spend attribution of the next one starts here. It also
            // makes the day's detail due (read once the day has ended; an earlier due day stays first).
            let readAt: SQLQueryString =
                intent.kind == .spend
                ? ", usage_read_at = \(bind: at), detail_due_day = COALESCE(detail_due_day, \(bind: transaction.createdAt.civilDate.iso8601))"
                : ""
            try await db.raw(
                """
                UPDATE compute_keys SET reserved_micros = \(bind: after.keyReserved.micros),
                    spent_micros = spent_micros + \(bind: spent), updated_at = \(bind: at)\(readAt)
                WHERE id = \(bind: key.rawValue)
                """
            ).run()
        }
        position.update(.init(available: after.available, length: transaction.sequence, head: transaction.hash))
        return LedgerPostResult(transaction: transaction, replayed: false)
    }

    /// The transaction already recorded under `idempotencyKey`, if any; it must be the same
    /// transaction (project, kind, key, donation), or the key was reused by mistake.
    func replay(of intent: LedgerIntent, idempotencyKey: String) async throws -> LedgerPostResult? {
        guard let existing = try await LedgerRows.transaction(idempotencyKey: idempotencyKey, db: db) else {
            return nil
        }
        guard existing.projectID == project.id, existing.kind == intent.kind, existing.keyID == intent.keyID,
            existing.donationID == intent.donationID
        else { throw LedgerStoreError.idempotencyKeyReused(idempotencyKey, existing: existing.id) }
        return LedgerPostResult(transaction: existing, replayed: true)
    }

    /// The project's available amount as of now inside this transaction.
    public func currentAvailable() async throws -> Money {
        position.current.available
    }

    /// The raw connection, for repositories that add rows in the same transaction.
    var sql: any SQLDatabase { db }
}
