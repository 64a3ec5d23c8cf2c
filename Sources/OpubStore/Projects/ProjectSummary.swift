import OpubCore
import SQLKit

/// A project with the totals its public page shows, all from the ledger and the key rows.
public struct ProjectSummary: Sendable, Hashable {
    public let record: ProjectRecord
    public let activeKeys: Int
    /// Linked agent sessions that have not ended.
    public let activeSessions: Int
    /// Spend recorded over the last 30 UTC days (today included), and the part of it that is linked.
    public let spent30d: Money
    public let linkedSpent30d: Money

    /// Σ of the keys' reservations.
    public var reserved: Money { record.totals.reserved }
    /// Donations credited minus refunds (Σ of `external:donations`, sign flipped).
    public var donated: Money { record.totals.donated }
    /// Operator grants.
    public var granted: Money { record.totals.granted }
    /// Σ of `external:provider`: what the provider charged.
    public var spent: Money { record.totals.spent }
    /// Σ of `external:fees`.
    public var fees: Money { record.totals.fees }
    /// Donations still inside the hold (`OPUB_DONATION_HOLD`).
    public var held: Money { record.totals.held }

    /// Linked spend ÷ all spend over the last 30 days; nil while there was no spend.
    public var linkedCoverage30d: Double? {
        spent30d.isPositive ? Double(linkedSpent30d.micros) / Double(spent30d.micros) : nil
    }

    public var available: Money { record.available }
    /// available + held + reserved = donated + granted − fees − spent (``ProjectTotals/balance``).
    public var balance: Money { record.totals.balance }

    init(row: any SQLRow) throws {
        self.record = try ProjectRecord(row: row)
        self.activeKeys = Int(try row.decode(column: "active_keys", as: Int64.self))
        self.activeSessions = Int(try row.decode(column: "active_sessions", as: Int64.self))
        self.spent30d = Money(micros: try row.decode(column: "spent_30d", as: Int64.self))
        self.linkedSpent30d = Money(micros: try row.decode(column: "linked_spent_30d", as: Int64.self))
    }

    /// The window of the linked-coverage figure, in UTC days (today included).
    public static let coverageWindowDays: Int64 = 30

    /// The first UTC day (`YYYY-MM-DD`) of the coverage window that ends on `now`'s day.
    public static func coverageWindowStart(now: Timestamp) -> String {
        now.adding(seconds: -(coverageWindowDays - 1) * 86_400).civilDate.iso8601
    }

    /// The columns of `projects p` plus the figures that are not kept on the row, for a
    /// `FROM projects p` query. Everything here is bounded per project (an index range of its keys,
    /// its open sessions, at most 30 day buckets), never a sum over the ledger. `firstDay` is a
    /// date from the store's clock, never from input.
    static func selectClause(firstDay: String) -> String {
        precondition(firstDay.allSatisfy { $0.isNumber || $0 == "-" })
        return """
            SELECT p.*,
                CAST((SELECT COUNT(*) FROM compute_keys k WHERE k.project_id = p.id AND k.status = 'active') AS BIGINT)
                    AS active_keys,
                CAST((SELECT COUNT(*) FROM agent_sessions s WHERE s.project_id = p.id AND s.ended_at IS NULL) AS BIGINT)
                    AS active_sessions,
                CAST(COALESCE((SELECT SUM(d.spent_micros) FROM spend_days d
                    WHERE d.project_id = p.id AND d.day >= '\(firstDay)'), 0) AS BIGINT) AS spent_30d,
                CAST(COALESCE((SELECT SUM(d.linked_micros) FROM spend_days d
                    WHERE d.project_id = p.id AND d.day >= '\(firstDay)'), 0) AS BIGINT) AS linked_spent_30d
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

    /// The SQL expression over the project row's columns, each backed by an index (migration 14);
    /// from this fixed set only, never from input.
    var expression: String {
        switch self {
        case .recent: return "p.created_at"
        case .balance: return "(p.available_micros + p.held_micros + p.reserved_micros)"
        case .donated: return "p.donated_micros"
        case .spent: return "p.spent_micros"
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
