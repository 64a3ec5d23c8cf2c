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
    /// From the totals each project row keeps: one pass over the projects, never over the ledger.
    public func siteTotals() async throws -> SiteTotals {
        try await store.engine.read { db in
            guard
                let row = try await db.raw(
                    """
                    SELECT
                      CAST(COALESCE(SUM(donated_micros), 0) AS BIGINT) AS donated,
                      CAST(COALESCE(SUM(granted_micros), 0) AS BIGINT) AS granted,
                      CAST(COALESCE(SUM(spent_micros), 0) AS BIGINT) AS spent,
                      CAST(COUNT(*) AS BIGINT) AS projects,
                      CAST(COUNT(claimed_at) AS BIGINT) AS claimed
                    FROM projects
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
