import OpubCore
import SQLKit

extension LedgerStore {
    /// Spend of every project since `since`, and its linked part: the landing page's coverage.
    public func spendOfAllProjects(since: Timestamp) async throws -> (linked: Money, total: Money) {
        try await store.engine.read { db in
            guard
                let row = try await db.raw(
                    """
                    SELECT CAST(COALESCE(SUM(p.amount_micros), 0) AS BIGINT) AS total,
                           CAST(COALESCE(SUM(CASE WHEN t.session_id IS NOT NULL THEN p.amount_micros ELSE 0 END), 0) AS BIGINT) AS linked
                    FROM ledger_transactions t JOIN ledger_postings p ON p.transaction_id = t.id
                    WHERE t.kind = 'spend' AND p.account = 'external:provider'
                    AND t.created_at >= \(bind: since.microsSinceEpoch)
                    """
                ).first()
            else { return (.zero, .zero) }
            return (
                Money(micros: try row.decode(column: "linked", as: Int64.self)),
                Money(micros: try row.decode(column: "total", as: Int64.self))
            )
        }
    }
}
