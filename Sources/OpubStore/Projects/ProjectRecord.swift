import OpubCore
import SQLKit

/// A project row.
public struct ProjectRecord: Sendable, Hashable {
    public let id: ProjectID
    public let name: RepositoryName
    /// GitHub's numeric id, once a maintainer's claim verified the repository.
    public let githubRepoID: Int64?
    public let createdAt: Timestamp
    public let claimedAt: Timestamp?
    public let suspendedAt: Timestamp?
    /// The project's money by account family, kept on the row by every post (checked by
    /// `ledger verify`): available, held, reserved, donated, granted, spent, fees.
    public let totals: ProjectTotals
    /// Σ of the project's available account.
    public var available: Money { totals.available }
    public let chainLength: Int64
    public let chainHead: String?

    public var isClaimed: Bool { claimedAt != nil }
    public var isInDebt: Bool { available.isNegative }

    init(row: any SQLRow) throws {
        let idText = try row.decode(column: "id", as: String.self)
        guard let id = ProjectID(idText) else { throw StoreError.corrupt("project id '\(idText)'") }
        self.id = id
        do {
            self.name = try RepositoryName(
                owner: try row.decode(column: "owner", as: String.self),
                repo: try row.decode(column: "repo", as: String.self))
        } catch {
            throw StoreError.corrupt("project \(idText) has an invalid name")
        }
        self.githubRepoID = try row.decode(column: "github_repo_id", as: Int64?.self)
        self.createdAt = Timestamp(microsSinceEpoch: try row.decode(column: "created_at", as: Int64.self))
        self.claimedAt = try row.decode(column: "claimed_at", as: Int64?.self).map(Timestamp.init(microsSinceEpoch:))
        self.suspendedAt = try row.decode(column: "suspended_at", as: Int64?.self).map(
            Timestamp.init(microsSinceEpoch:))
        func money(_ column: String) throws -> Money { Money(micros: try row.decode(column: column, as: Int64.self)) }
        self.totals = ProjectTotals(
            available: try money("available_micros"), held: try money("held_micros"),
            reserved: try money("reserved_micros"), donated: try money("donated_micros"),
            granted: try money("granted_micros"), spent: try money("spent_micros"), fees: try money("fees_micros"))
        self.chainLength = try row.decode(column: "chain_length", as: Int64.self)
        self.chainHead = try row.decode(column: "chain_head", as: String?.self)
    }
}

/// A project's money at a glance.
public struct ProjectBalances: Sendable, Hashable {
    public let available: Money
    public let held: Money
    public let reserved: Money
    /// available + held + reserved (``ProjectTotals/balance``).
    public var balance: Money { ProjectTotals(available: available, held: held, reserved: reserved).balance }
}
