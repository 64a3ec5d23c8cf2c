import Foundation
import OpubCore
import SQLKit

extension ProjectStore {
    /// One project's public totals.
    public func summary(_ id: ProjectID) async throws -> ProjectSummary? {
        let windowStart = store.clock.now().adding(seconds: -ProjectSummary.coverageWindowSeconds)
        return try await store.engine.read { db in
            try await db.raw(
                SQLQueryString(ProjectSummary.selectClause(windowStart: windowStart))
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
        let windowStart = store.clock.now().adding(seconds: -ProjectSummary.coverageWindowSeconds)
        return try await store.engine.read { db in
            var sql =
                SQLQueryString("SELECT * FROM (")
                + SQLQueryString(ProjectSummary.selectClause(windowStart: windowStart))
                + SQLQueryString(") t WHERE 1 = 1")
            if let query, !query.isEmpty {
                let escaped = query.lowercased().replacingOccurrences(of: "\\", with: "\\\\")
                    .replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_")
                sql = sql + " AND t.lookup_name LIKE \(bind: "%" + escaped + "%") ESCAPE '\\'"
            }
            let expression = sort.expression
            if let cursor {
                sql =
                    sql
                    + " AND (\(unsafeRaw: expression) < \(bind: cursor.value) OR "
                    + "(\(unsafeRaw: expression) = \(bind: cursor.value) AND t.id < \(bind: cursor.id.rawValue)))"
            }
            sql = sql + " ORDER BY \(unsafeRaw: expression) DESC, t.id DESC LIMIT \(bind: limit + 1)"
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
