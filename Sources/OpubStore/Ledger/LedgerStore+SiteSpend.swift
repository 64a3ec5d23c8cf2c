import OpubCore
import SQLKit

extension LedgerStore {
    /// Spend of every project on the UTC days from `firstDay` (`YYYY-MM-DD`) on, and its linked part:
    /// the landing page's coverage, from the day buckets each spend post keeps (at most one row per
    /// project and day, never a sum over the ledger).
    public func spendOfAllProjects(fromDay firstDay: String) async throws -> (linked: Money, total: Money) {
        try await store.engine.read { db in
            guard
                let row = try await db.raw(
                    """
                    SELECT CAST(COALESCE(SUM(spent_micros), 0) AS BIGINT) AS total,
                           CAST(COALESCE(SUM(linked_micros), 0) AS BIGINT) AS linked
                    FROM spend_days WHERE day >= \(bind: firstDay)
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
