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

/// The project's chain position and totals inside one write transaction: read once when the lock is
/// taken, kept current by every post in memory, and written back to the project row (and the day's
/// spend bucket) once, when the transaction's body is done (``ProjectWrite/flush()``). A post then
/// needs neither a read nor a write of the project row.
///
/// `@unchecked Sendable`: a ``ProjectWrite`` is used by one task at a time (the closure of
/// ``Store/withProjectLock(_:_:)`` runs its statements sequentially on one connection), and the
/// lock makes even accidental concurrent use safe.
final class ChainPosition: @unchecked Sendable {
    struct Value {
        var totals: ProjectTotals
        var length: Int64
        var head: String
        /// Spend posted in this transaction per UTC day (`YYYY-MM-DD`): all of it, and the linked part.
        var spendByDay: [String: (spent: Money, linked: Money)] = [:]
        var changed = false

        /// The transaction that records `intent` as the next link of this chain, checked against the money
        /// rules (``LedgerRules/postings(for:project:position:)``) at the project's available amount and
        /// what the caller read of the intent's key and donation, and the position after it; the chain
        /// moves past it (``append(_:)``). Nothing is written: a rule that refuses throws and changes nothing.
        mutating func next(
            _ intent: LedgerIntent, project: ProjectID, keyReserved: Money, donationHeld: Money,
            idempotencyKey: String, memo: String, session: SessionID?, at now: Timestamp
        ) throws(LedgerRuleError) -> (LedgerTransaction, LedgerPosition) {
            let before = LedgerPosition(
                available: totals.available, keyReserved: keyReserved, donationHeld: donationHeld)
            let postings = try LedgerRules.postings(for: intent, project: project, position: before)
            let transaction = LedgerTransaction.chained(
                id: .random(), projectID: project, sequence: length + 1, kind: intent.kind,
                idempotencyKey: idempotencyKey, keyID: intent.keyID, donationID: intent.donationID, sessionID: session,
                memo: memo, createdAt: now, postings: postings, previousHash: head)
            append(transaction)
            return (transaction, LedgerRules.applying(postings, to: before))
        }

        /// The position after `transaction`, the next link of this chain: totals, length, head, and the
        /// day's spend bucket for a spend.
        mutating func append(_ transaction: LedgerTransaction) {
            totals.apply(transaction.postings)
            length = transaction.sequence
            head = transaction.hash
            changed = true
            if transaction.kind == .spend {
                let day = transaction.createdAt.civilDate.iso8601
                var bucket = spendByDay[day] ?? (.zero, .zero)
                bucket.spent += transaction.providerChange
                if transaction.sessionID != nil { bucket.linked += transaction.providerChange }
                spendByDay[day] = bucket
            }
        }
    }

    private let lock = NSLock()
    private var value: Value

    init(_ project: ProjectRecord) {
        value = Value(
            totals: project.totals, length: project.chainLength, head: project.chainHead ?? LedgerHashChain.genesis)
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

        let donationHeld = try await heldOfDonation(intent)
        var chain = position.current
        let (transaction, after): (LedgerTransaction, LedgerPosition)
        do {
            (transaction, after) = try chain.next(
                intent, project: project.id, keyReserved: keyReserved, donationHeld: donationHeld,
                idempotencyKey: idempotencyKey, memo: memo, session: session, at: clock.now())
        } catch {
            // A replay is answered with the original even when the rules would now refuse it.
            if let replay = try await replay(of: intent, idempotencyKey: idempotencyKey) { return replay }
            throw LedgerStoreError.rule(error)
        }

        // The unique idempotency key decides: no row inserted means this is a replay.
        guard try await LedgerRows.insertUnlessReplay(transaction, db: db) else {
            if let replay = try await replay(of: intent, idempotencyKey: idempotencyKey) { return replay }
            throw StoreError.corrupt("idempotency key '\(idempotencyKey)' conflicted but no transaction has it")
        }
        if let key = intent.keyID {
            try await LedgerRows.update([KeyBalanceChange(key, by: transaction, reserved: after.keyReserved)], db: db)
        }
        position.update(chain)
        return LedgerPostResult(transaction: transaction, replayed: false)
    }

    /// What is still held of the intent's donation, for the intents whose rules depend on it
    /// (a refund takes held money first; a clear moves what is held). Zero otherwise.
    private func heldOfDonation(_ intent: LedgerIntent) async throws -> Money {
        switch intent {
        case .refund(let id?, _), .clear(let id, _): return try await held(of: id)
        default: return .zero
        }
    }

    /// What is still held of `donation` in this project's `held` account.
    func held(of donation: DonationID) async throws -> Money {
        let row = try await db.raw(
            """
            SELECT CAST(COALESCE(SUM(p.amount_micros), 0) AS BIGINT) AS held
            FROM ledger_transactions t JOIN ledger_postings p ON p.transaction_id = t.id
            WHERE t.donation_id = \(bind: donation.rawValue) AND p.account = \(bind: Account.held(project.id).description)
            """
        ).first()
        return Money(micros: try row?.decode(column: "held", as: Int64.self) ?? 0)
    }

    /// Writes what this transaction's posts changed back to the project row and the day buckets of
    /// spend. Called by ``Store/withProjectLock(_:_:)`` once its body returned, before the commit.
    func flush() async throws {
        try await Self.flush([self], db: db)
    }

    /// Writes back what the posts of each of `writes` (one write transaction, `db`) changed: the project
    /// rows with one statement per 500 projects, their day buckets of spend likewise.
    static func flush(_ writes: [ProjectWrite], db: any SQLDatabase) async throws {
        let changed = writes.map { ($0, $0.position.current) }.filter(\.1.changed)
        for chunk in changed.chunks(of: 500) {
            var rows: [SQLQueryString] = []
            var days: [SQLQueryString] = []
            for (write, value) in chunk {
                let (id, totals) = (write.project.id.rawValue, value.totals)
                rows.append(
                    """
                    (\(bind: id), \(bind: totals.available.micros), \(bind: totals.held.micros), \(bind: totals.reserved.micros),
                    \(bind: totals.donated.micros), \(bind: totals.granted.micros), \(bind: totals.spent.micros),
                    \(bind: totals.fees.micros), \(bind: value.length), \(bind: value.head))
                    """)
                for (day, bucket) in value.spendByDay.sorted(by: { $0.key < $1.key }) {
                    days.append(
                        "(\(bind: id), \(bind: day), \(bind: bucket.spent.micros), \(bind: bucket.linked.micros))")
                }
            }
            try await db.raw(
                """
                UPDATE projects SET available_micros = v.column2, held_micros = v.column3, reserved_micros = v.column4,
                    donated_micros = v.column5, granted_micros = v.column6, spent_micros = v.column7,
                    fees_micros = v.column8, chain_length = v.column9, chain_head = v.column10
                FROM (VALUES \(rows.joined(separator: ", "))) AS v WHERE projects.id = v.column1
                """
            ).run()
            if !days.isEmpty {
                try await db.raw(
                    """
                    INSERT INTO spend_days (project_id, day, spent_micros, linked_micros)
                    VALUES \(days.joined(separator: ", "))
                    ON CONFLICT (project_id, day) DO UPDATE SET
                        spent_micros = spend_days.spent_micros + excluded.spent_micros,
                        linked_micros = spend_days.linked_micros + excluded.linked_micros
                    """
                ).run()
            }
        }
        for (write, value) in changed {
            var clean = value
            clean.spendByDay = [:]
            clean.changed = false
            write.position.update(clean)
        }
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
        position.current.totals.available
    }

    /// The project's totals as of now inside this transaction.
    public func currentTotals() -> ProjectTotals {
        position.current.totals
    }

    /// The raw connection, for repositories that add rows in the same transaction.
    var sql: any SQLDatabase { db }
}
