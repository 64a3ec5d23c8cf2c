import OpubCore
import SQLKit

/// A page of newest-first results and the cursor for the next (older) page.
public struct Page<Item: Sendable>: Sendable {
    public let items: [Item]
    /// Pass back to get the next page; nil on the last page.
    public let nextCursor: String?
}

/// An opaque, URL-safe position in a newest-first list.
///
/// Ledger pages are keyed by the chain sequence, which is assigned under the project's lock and
/// never reused; a page that starts "before sequence n" therefore never skips or repeats a
/// transaction however many are appended meanwhile.
public struct LedgerCursor: Sendable, Hashable {
    public let beforeSequence: Int64

    public init(beforeSequence: Int64) { self.beforeSequence = beforeSequence }

    public var encoded: String { "s" + String(beforeSequence, radix: 36) }

    public init(decoding text: String) throws(StoreError) {
        guard text.hasPrefix("s"), let value = Int64(text.dropFirst(), radix: 36), value > 0 else {
            throw StoreError.notFound("The cursor '\(text)' is not one this server issued; start from the first page.")
        }
        self.beforeSequence = value
    }
}

/// The ledger: the single entry point that applies a transaction, and the reads over it.
public struct LedgerStore: Sendable {
    let store: Store

    /// Applies `intent` to `project` atomically: takes the project's lock, returns the original
    /// transaction when `idempotencyKey` was used before (writing nothing), checks balances (a
    /// `reserve` above available fails with ``LedgerStoreError/rule(_:)`` and writes nothing), and
    /// appends the transaction to the project's hash chain.
    @discardableResult
    public func post(
        _ intent: LedgerIntent, to project: ProjectID, idempotencyKey: String, memo: String,
        session: SessionID? = nil
    ) async throws -> LedgerPostResult {
        do {
            return try await store.withProjectLock(project) { write in
                try await write.post(intent, idempotencyKey: idempotencyKey, memo: memo, session: session)
            }
        } catch  where error.isUniqueViolation {
            // Another project's transaction took the same idempotency key between our check and our
            // insert (the project locks do not order two different projects). Rolled back; the retry
            // sees the winner and answers as a replay or a conflict.
            return try await store.withProjectLock(project) { write in
                try await write.post(intent, idempotencyKey: idempotencyKey, memo: memo, session: session)
            }
        }
    }

    /// One page of `project`'s ledger, newest first.
    public func page(
        of project: ProjectID, cursor: LedgerCursor? = nil, limit: Int = 50
    ) async throws -> Page<
        LedgerTransaction
    > {
        let limit = min(max(limit, 1), 500)
        return try await store.engine.read { db in
            let before = cursor?.beforeSequence ?? Int64.max
            let rows = try await db.raw(
                """
                SELECT * FROM ledger_transactions WHERE project_id = \(bind: project.rawValue)
                AND sequence < \(bind: before) ORDER BY sequence DESC LIMIT \(bind: limit + 1)
                """
            ).all()
            let items = try await LedgerRows.withPostings(Array(rows.prefix(limit)), db: db)
            let next = rows.count > limit ? items.last.map { LedgerCursor(beforeSequence: $0.sequence).encoded } : nil
            return Page(items: items, nextCursor: next)
        }
    }

    /// Every transaction of `project` in chain order.
    public func all(of project: ProjectID) async throws -> [LedgerTransaction] {
        try await store.engine.read { db in
            var result: [LedgerTransaction] = []
            var from: Int64 = 1
            while true {
                let batch = try await LedgerRows.transactions(project: project, fromSequence: from, limit: 1000, db: db)
                result += batch
                guard let last = batch.last, batch.count == 1000 else { break }
                from = last.sequence + 1
            }
            return result
        }
    }

    /// Up to `limit` transactions of `project` in chain order from `fromSequence` on, no further than
    /// `throughSequence`: one batch of a streamed export (each batch is its own short read, so an export
    /// holds neither a connection nor the chain in memory).
    public func chainBatch(
        of project: ProjectID, fromSequence: Int64, throughSequence: Int64, limit: Int = 500
    ) async throws -> [LedgerTransaction] {
        guard fromSequence <= throughSequence else { return [] }
        return try await store.engine.read { db in
            try await LedgerRows.transactions(
                project: project, fromSequence: fromSequence, limit: limit, db: db
            ).filter { $0.sequence <= throughSequence }
        }
    }

    /// The sequence of `project`'s newest transaction (0 without any).
    public func lastSequence(of project: ProjectID) async throws -> Int64 {
        try await store.engine.read { db in
            try await db.raw(
                """
                SELECT CAST(COALESCE(MAX(sequence), 0) AS BIGINT) AS n FROM ledger_transactions
                WHERE project_id = \(bind: project.rawValue)
                """
            ).first()?.decode(column: "n", as: Int64.self) ?? 0
        }
    }

    /// The transaction recorded under `idempotencyKey`, if any.
    public func transaction(idempotencyKey: String) async throws -> LedgerTransaction? {
        try await store.engine.read { db in try await LedgerRows.transaction(idempotencyKey: idempotencyKey, db: db) }
    }

    /// Number of transactions in the whole ledger.
    public func count() async throws -> Int {
        try await store.engine.read { db in
            try await db.raw("SELECT COUNT(*) AS n FROM ledger_transactions").first()?.decode(column: "n", as: Int.self)
                ?? 0
        }
    }

    /// Spend of `project` recorded since `since`, and the part of it that is linked (its transaction
    /// names an agent session). Coverage is `linked ÷ total`.
    public func spend(of project: ProjectID, since: Timestamp) async throws -> (linked: Money, total: Money) {
        try await store.engine.read { db in
            guard
                let row = try await db.raw(
                    """
                    SELECT CAST(COALESCE(SUM(p.amount_micros), 0) AS BIGINT) AS total,
                           CAST(COALESCE(SUM(CASE WHEN t.session_id IS NOT NULL THEN p.amount_micros ELSE 0 END), 0) AS BIGINT) AS linked
                    FROM ledger_transactions t JOIN ledger_postings p ON p.transaction_id = t.id
                    WHERE t.project_id = \(bind: project.rawValue) AND t.kind = 'spend'
                    AND p.account = 'external:provider' AND t.created_at >= \(bind: since.microsSinceEpoch)
                    """
                ).first()
            else { return (.zero, .zero) }
            return (
                Money(micros: try row.decode(column: "linked", as: Int64.self)),
                Money(micros: try row.decode(column: "total", as: Int64.self))
            )
        }
    }

    /// Spend per UTC day for the `days` days ending today (oldest first, days without spend
    /// included as zero), split into linked and unlinked: the project page's chart.
    public func dailySpend(of project: ProjectID, days: Int = 30) async throws -> [DailySpend] {
        let today = store.clock.now().civilDate.daysSinceEpoch
        let first = today - Int64(max(days, 1)) + 1
        let since = CivilDate(daysSinceEpoch: first).start.microsSinceEpoch
        let rows = try await store.engine.read { db in
            try await db.raw(
                """
                SELECT CAST(t.created_at / 86400000000 AS BIGINT) AS day,
                       CAST(SUM(p.amount_micros) AS BIGINT) AS total,
                       CAST(SUM(CASE WHEN t.session_id IS NOT NULL THEN p.amount_micros ELSE 0 END) AS BIGINT) AS linked
                FROM ledger_transactions t JOIN ledger_postings p ON p.transaction_id = t.id
                WHERE t.project_id = \(bind: project.rawValue) AND t.kind = 'spend'
                AND p.account = 'external:provider' AND t.created_at >= \(bind: since)
                GROUP BY CAST(t.created_at / 86400000000 AS BIGINT)
                """
            ).all()
        }
        var byDay: [Int64: (linked: Int64, total: Int64)] = [:]
        for row in rows {
            byDay[try row.decode(column: "day", as: Int64.self)] = (
                try row.decode(column: "linked", as: Int64.self), try row.decode(column: "total", as: Int64.self)
            )
        }
        return (first...today).map { day in
            let amounts = byDay[day] ?? (0, 0)
            return DailySpend(
                date: CivilDate(daysSinceEpoch: day), linked: Money(micros: amounts.linked),
                unlinked: Money(micros: amounts.total - amounts.linked))
        }
    }
}

/// One day of a project's spend.
public struct DailySpend: Sendable, Hashable {
    public let date: CivilDate
    public let linked: Money
    public let unlinked: Money

    public var total: Money { linked + unlinked }
}
