import OpubCore
import SQLKit

/// A project with the totals its public page shows, all from the ledger and the key rows.
public struct ProjectSummary: Sendable, Hashable {
    public let record: ProjectRecord
    /// Σ of the active and settling keys' reservations.
    public let reserved: Money
    /// Donations credited minus refunds (Σ of `external:donations`, sign flipped).
    public let donated: Money
    /// Operator grants.
    public let granted: Money
    /// Σ of `external:provider`: what the provider charged.
    public let spent: Money
    /// Σ of `external:fees`.
    public let fees: Money
    public let activeKeys: Int
    /// Linked agent sessions that have not ended.
    public let activeSessions: Int
    /// Spend recorded over the last 30 days, and the part of it that is linked.
    public let spent30d: Money
    public let linkedSpent30d: Money

    /// Linked spend ÷ all spend over the last 30 days; nil while there was no spend.
    public var linkedCoverage30d: Double? {
        spent30d.isPositive ? Double(linkedSpent30d.micros) / Double(spent30d.micros) : nil
    }

    public var available: Money { record.available }
    /// available + reserved = donated + granted − fees − spent.
    public var balance: Money { record.available + reserved }

    init(row: any SQLRow) throws {
        self.record = try ProjectRecord(row: row)
        self.reserved = Money(micros: try row.decode(column: "reserved_total", as: Int64.self))
        self.donated = Money(micros: try row.decode(column: "donated_total", as: Int64.self))
        self.granted = Money(micros: try row.decode(column: "granted_total", as: Int64.self))
        self.spent = Money(micros: try row.decode(column: "spent_total", as: Int64.self))
        self.fees = Money(micros: try row.decode(column: "fees_total", as: Int64.self))
        self.activeKeys = Int(try row.decode(column: "active_keys", as: Int64.self))
        self.activeSessions = Int(try row.decode(column: "active_sessions", as: Int64.self))
        self.spent30d = Money(micros: try row.decode(column: "spent_30d", as: Int64.self))
        self.linkedSpent30d = Money(micros: try row.decode(column: "linked_spent_30d", as: Int64.self))
    }

    /// The window of the linked-coverage figure.
    public static let coverageWindowSeconds: Int64 = 30 * 86_400

    /// The columns of `projects p` plus the totals, for a `FROM projects p` query; the 30-day figures
    /// count spend recorded after `windowStart` (an integer from the store's clock, never from input).
    static func selectClause(windowStart: Timestamp) -> String {
        let since = windowStart.microsSinceEpoch
        return """
            SELECT p.*,
                CAST(COALESCE((SELECT SUM(k.reserved_micros) FROM compute_keys k WHERE k.project_id = p.id), 0) AS BIGINT)
                    AS reserved_total,
                CAST(COALESCE((SELECT -SUM(lp.amount_micros) FROM ledger_postings lp
                    WHERE lp.project_id = p.id AND lp.account = 'external:donations'), 0) AS BIGINT) AS donated_total,
                CAST(COALESCE((SELECT -SUM(lp.amount_micros) FROM ledger_postings lp
                    WHERE lp.project_id = p.id AND lp.account = 'external:grants'), 0) AS BIGINT) AS granted_total,
                CAST(COALESCE((SELECT SUM(lp.amount_micros) FROM ledger_postings lp
                    WHERE lp.project_id = p.id AND lp.account = 'external:provider'), 0) AS BIGINT) AS spent_total,
                CAST(COALESCE((SELECT SUM(lp.amount_micros) FROM ledger_postings lp
                    WHERE lp.project_id = p.id AND lp.account = 'external:fees'), 0) AS BIGINT) AS fees_total,
                CAST((SELECT COUNT(*) FROM compute_keys k WHERE k.project_id = p.id AND k.status = 'active') AS BIGINT)
                    AS active_keys,
                CAST((SELECT COUNT(*) FROM agent_sessions s WHERE s.project_id = p.id AND s.ended_at IS NULL) AS BIGINT)
                    AS active_sessions,
                CAST(COALESCE((SELECT SUM(lp.amount_micros) FROM ledger_transactions t
                    JOIN ledger_postings lp ON lp.transaction_id = t.id
                    WHERE t.project_id = p.id AND t.kind = 'spend' AND lp.account = 'external:provider'
                    AND t.created_at >= \(since)), 0) AS BIGINT) AS spent_30d,
                CAST(COALESCE((SELECT SUM(lp.amount_micros) FROM ledger_transactions t
                    JOIN ledger_postings lp ON lp.transaction_id = t.id
                    WHERE t.project_id = p.id AND t.kind = 'spend' AND lp.account = 'external:provider'
                    AND t.session_id IS NOT NULL AND t.created_at >= \(since)), 0) AS BIGINT) AS linked_spent_30d
            FROM projects p
            """
    }
}

/// How the project directory is ordered; every order is descending, ties broken by id.
public enum ProjectSort: String, Sendable, CaseIterable {
    case recent
    case balance
    case donated
    case spent

    /// The SQL expression over the summary columns; from this fixed set only, never from input.
    var expression: String {
        switch self {
        case .recent: return "created_at"
        case .balance: return "(available_micros + reserved_total)"
        case .donated: return "donated_total"
        case .spent: return "spent_total"
        }
    }
}

/// A position in the project directory: the sort value and id of the last project shown.
public struct ProjectListCursor: Sendable, Hashable {
    public let sort: ProjectSort
    public let value: Int64
    public let id: ProjectID

    public var encoded: String { "\(sort.rawValue).\(value).\(id.rawValue)" }

    public init(sort: ProjectSort, value: Int64, id: ProjectID) {
        self.sort = sort
        self.value = value
        self.id = id
    }

    /// Parses a cursor this server issued for the same `sort`.
    public init(decoding text: String, sort: ProjectSort) throws(StoreError) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == sort.rawValue, let value = Int64(parts[1]),
            let id = ProjectID(String(parts[2]))
        else {
            throw StoreError.notFound(
                "The cursor '\(text)' is not one this server issued for sort=\(sort.rawValue); start from "
                    + "the first page."
            )
        }
        self.init(sort: sort, value: value, id: id)
    }
}
