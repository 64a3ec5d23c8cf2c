import Foundation
import OpubCore
import SQLKit

extension ProjectStore {
    /// One project's public totals.
    public func summary(_ id: ProjectID) async throws -> ProjectSummary? {
        let firstDay = ProjectSummary.coverageWindowStart(now: store.clock.now())
        return try await store.engine.read { db in
            try await db.raw(
                SQLQueryString(ProjectSummary.selectClause(firstDay: firstDay))
                    + " WHERE p.id = \(bind: id.rawValue)"
            ).first().map(ProjectSummary.init)
        }
    }

    /// The project directory: projects whose name contains `query` (ignoring case), ordered by
    /// `sort` descending, `limit` per page.
    public func list(
        query: String?, sort: ProjectSort, cursor: ProjectListCursor?, limit: Int = 50
    ) async throws -> Page<ProjectSummary> {
        let limit = min(max(limit, 1), 100)
        let firstDay = ProjectSummary.coverageWindowStart(now: store.clock.now())
        return try await store.engine.read { db in
            // Ordered by a column of the row through its index, so only the page's rows are summarised.
            var sql = SQLQueryString(ProjectSummary.selectClause(firstDay: firstDay)) + SQLQueryString(" WHERE 1 = 1")
            if let query, !query.isEmpty {
                let escaped = query.lowercased().replacingOccurrences(of: "\\", with: "\\\\")
                    .replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_")
                sql = sql + " AND p.lookup_name LIKE \(bind: "%" + escaped + "%") ESCAPE '\\'"
            }
            let expression = sort.expression
            if let cursor {
                sql =
                    sql
                    + " AND (\(unsafeRaw: expression), p.id) < (\(bind: cursor.value), \(bind: cursor.id.rawValue))"
            }
            sql = sql + " ORDER BY \(unsafeRaw: expression) DESC, p.id DESC LIMIT \(bind: limit + 1)"
            let rows = try await db.raw(sql).all()
            let items = try rows.prefix(limit).map(ProjectSummary.init)
            var next: String?
            if rows.count > limit, let last = items.last {
                let value: Int64
                switch sort {
                case .recent: value = last.record.createdAt.microsSinceEpoch
                case .balance: value = last.balance.micros
                case .donated: value = last.donated.micros
                case .spent: value = last.spent.micros
                }
                next = ProjectListCursor(sort: sort, value: value, id: last.record.id).encoded
            }
            return Page(items: items, nextCursor: next)
        }
    }
}
