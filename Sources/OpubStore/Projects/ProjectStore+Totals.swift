import OpubCore
import SQLKit

/// What the whole service has moved, for the landing page.
public struct SiteTotals: Sendable, Hashable {
    /// Donations credited minus refunds, over every project.
    public let donated: Money
    public let granted: Money
    /// What the provider charged, over every project.
    public let spent: Money
    public let projects: Int
    public let claimedProjects: Int
}

extension ProjectStore {
    public func siteTotals() async throws -> SiteTotals {
        try await store.engine.read { db in
            guard
                let row = try await db.raw(
                    """
                    SELECT
                      CAST(COALESCE((SELECT -SUM(amount_micros) FROM ledger_postings
                        WHERE account = 'external:donations'), 0) AS BIGINT) AS donated,
                      CAST(COALESCE((SELECT -SUM(amount_micros) FROM ledger_postings
                        WHERE account = 'external:grants'), 0) AS BIGINT) AS granted,
                      CAST(COALESCE((SELECT SUM(amount_micros) FROM ledger_postings
                        WHERE account = 'external:provider'), 0) AS BIGINT) AS spent,
                      CAST((SELECT COUNT(*) FROM projects) AS BIGINT) AS projects,
                      CAST((SELECT COUNT(*) FROM projects WHERE claimed_at IS NOT NULL) AS BIGINT) AS claimed
                    """
                ).first()
            else { throw StoreError.corrupt("the totals query returned no row") }
            return SiteTotals(
                donated: Money(micros: try row.decode(column: "donated", as: Int64.self)),
                granted: Money(micros: try row.decode(column: "granted", as: Int64.self)),
                spent: Money(micros: try row.decode(column: "spent", as: Int64.self)),
                projects: Int(try row.decode(column: "projects", as: Int64.self)),
                claimedProjects: Int(try row.decode(column: "claimed", as: Int64.self)))
        }
    }
}
