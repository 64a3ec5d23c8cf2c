import OpubCore
import SQLKit

/// Spend on one UTC day: all of it, and the part that is linked (its `spend` transaction names an
/// agent session, the same rule as ``LedgerStore/spend(of:since:)``).
public struct DailySpend: Sendable, Hashable {
    /// Days since the Unix epoch (UTC).
    public let day: Int64
    public let linked: Money
    public let total: Money

    public init(day: Int64, linked: Money, total: Money) {
        self.day = day
        self.linked = linked
        self.total = total
    }

    public var unlinked: Money { total - linked }
}

extension LedgerStore {
    static let microsPerDay: Int64 = 86_400 * 1_000_000

    /// `project`'s spend per UTC day for the `days` days that end with the day of `until`, oldest
    /// first, one entry per day (zero on days without spend): the project page's spend chart.
    public func dailySpend(of project: ProjectID, days: Int, until: Timestamp) async throws -> [DailySpend] {
        let lastDay = until.microsSinceEpoch / Self.microsPerDay
        let firstDay = lastDay - Int64(max(days, 1)) + 1
        let found = try await store.engine.read { db in
            try await db.raw(
                """
                SELECT CAST(t.created_at / \(unsafeRaw: String(Self.microsPerDay)) AS BIGINT) AS day,
                       CAST(SUM(p.amount_micros) AS BIGINT) AS total,
                       CAST(SUM(CASE WHEN t.session_id IS NOT NULL THEN p.amount_micros ELSE 0 END) AS BIGINT) AS linked
                FROM ledger_transactions t JOIN ledger_postings p ON p.transaction_id = t.id
                WHERE t.project_id = \(bind: project.rawValue) AND t.kind = 'spend'
                AND p.account = 'external:provider'
                AND t.created_at >= \(bind: firstDay * Self.microsPerDay)
                AND t.created_at < \(bind: (lastDay + 1) * Self.microsPerDay)
                GROUP BY 1
                """
            ).all().map { row in
                (
                    try row.decode(column: "day", as: Int64.self),
                    Money(micros: try row.decode(column: "linked", as: Int64.self)),
                    Money(micros: try row.decode(column: "total", as: Int64.self))
                )
            }
        }
        var byDay: [Int64: (Money, Money)] = [:]
        for (day, linked, total) in found { byDay[day] = (linked, total) }
        return (firstDay...lastDay).map { day in
            DailySpend(day: day, linked: byDay[day]?.0 ?? .zero, total: byDay[day]?.1 ?? .zero)
        }
    }

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
