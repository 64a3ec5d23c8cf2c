import OpubCore
import SQLKit

/// The result of re-checking stored money.
public struct LedgerVerification: Sendable {
    public let projectsChecked: Int
    public let transactionsChecked: Int
    public let violations: [InvariantViolation]

    public var isValid: Bool { violations.isEmpty }
}

/// Recomputes every hash chain and checks the seven invariants for one project or all of them
/// (`opub-server ledger verify`). Reads only.
public struct LedgerVerifier: Sendable {
    let store: Store

    public init(store: Store) { self.store = store }

    public func verify(project: ProjectID? = nil) async throws -> LedgerVerification {
        let projects: [ProjectRecord]
        if let project {
            guard let record = try await store.projects.find(project) else {
                throw StoreError.notFound("No project has the id \(project).")
            }
            projects = [record]
        } else {
            projects = try await store.projects.all()
        }
        var violations: [InvariantViolation] = []
        var transactions = 0
        for project in projects {
            let record = try await auditRecord(for: project)
            transactions += record.transactions.count
            violations += LedgerAudit.violations(in: record)
        }
        violations += try await globalViolations(projects: projects.map(\.id))
        return LedgerVerification(
            projectsChecked: projects.count, transactionsChecked: transactions, violations: violations)
    }

    func auditRecord(for project: ProjectRecord) async throws -> ProjectAuditRecord {
        let transactions = try await store.ledger.all(of: project.id)
        let keys = try await store.keys.all(in: project.id)
        let totals = try await store.donations.totals(for: project.id)
        return ProjectAuditRecord(
            projectID: project.id, name: project.name.description, transactions: transactions,
            keys: keys.map(\.auditRecord), cachedTotals: project.totals, cachedHead: project.chainHead,
            donationTotals: totals)
    }

    /// Checks that need the whole database: postings whose project disagrees with their
    /// transaction's (invariant 1).
    func globalViolations(projects: [ProjectID]) async throws -> [InvariantViolation] {
        try await store.engine.read { db in
            let rows = try await db.raw(
                """
                SELECT p.transaction_id AS tx, p.project_id AS posting_project, t.project_id AS tx_project
                FROM ledger_postings p LEFT JOIN ledger_transactions t ON t.id = p.transaction_id
                WHERE t.id IS NULL OR t.project_id <> p.project_id
                """
            ).all()
            return try rows.map { row in
                let tx = try row.decode(column: "tx", as: String.self)
                return InvariantViolation(
                    invariant: 1, project: try row.decode(column: "posting_project", as: String.self),
                    transaction: TransactionID(tx), key: nil,
                    detail: "a posting's project does not match its transaction's")
            }
        }
    }
}
