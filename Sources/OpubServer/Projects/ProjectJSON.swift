import OpubCore
import OpubStore

/// An amount as the API writes it: exact dollars with 6 decimals, and micro-dollars.
struct AmountJSON: Encodable {
    let usd: String
    let micros: Int64

    init(_ money: Money) {
        usd = money.usdString
        micros = money.micros
    }
}

/// A project's public view (`GET /api/v1/projects/{owner}/{repo}` and the directory).
struct ProjectJSON: Encodable {
    let id: String
    let owner: String
    let repo: String
    let fullName: String
    @NullEncoded var githubRepoID: Int64?
    let claimed: Bool
    @NullEncoded var claimedAt: String?
    let suspended: Bool
    let createdAt: String
    let balance: AmountJSON
    let reserved: AmountJSON
    /// Donations still inside the hold (`OPUB_DONATION_HOLD`): in the balance, not yet available.
    let held: AmountJSON
    let available: AmountJSON
    let donated: AmountJSON
    let granted: AmountJSON
    let spent: AmountJSON
    let fees: AmountJSON
    /// Linked spend ÷ all spend over 30 days; null until the project has spend.
    @NullEncoded var linkedCoverage30d: Double?
    let activeKeys: Int
    let activeSessions: Int
    /// How many transactions the ledger holds and the last one's hash: what a downloaded copy must
    /// reach (`opub ledger verify` checks the totals above against the chain up to here).
    let chainLength: Int64
    @NullEncoded var chainHead: String?
    let pageURL: String

    init(_ summary: ProjectSummary) {
        let record = summary.record
        id = record.id.rawValue
        owner = record.name.owner
        repo = record.name.repo
        fullName = record.name.description
        githubRepoID = record.githubRepoID
        claimed = record.isClaimed
        claimedAt = record.claimedAt?.iso8601
        suspended = record.suspendedAt != nil
        createdAt = record.createdAt.iso8601
        balance = AmountJSON(summary.balance)
        reserved = AmountJSON(summary.reserved)
        held = AmountJSON(summary.held)
        available = AmountJSON(summary.available)
        donated = AmountJSON(summary.donated)
        granted = AmountJSON(summary.granted)
        spent = AmountJSON(summary.spent)
        fees = AmountJSON(summary.fees)
        linkedCoverage30d = summary.linkedCoverage30d
        activeKeys = summary.activeKeys
        activeSessions = summary.activeSessions
        chainLength = record.chainLength
        chainHead = record.chainHead
        pageURL = "/github/\(record.name.owner)/\(record.name.repo)"
    }

    enum CodingKeys: String, CodingKey {
        case id, owner, repo
        case fullName = "full_name"
        case githubRepoID = "github_repo_id"
        case claimed
        case claimedAt = "claimed_at"
        case suspended
        case createdAt = "created_at"
        case balance, reserved, held, available, donated, granted, spent, fees
        case linkedCoverage30d = "linked_coverage_30d"
        case activeKeys = "active_keys"
        case activeSessions = "active_sessions"
        case chainLength = "chain_length"
        case chainHead = "chain_head"
        case pageURL = "page_url"
    }
}

/// A project the signed-in user maintains, with their verified permission.
struct MaintainedProjectJSON: Encodable {
    let project: ProjectJSON
    let permission: String
    let verifiedAt: String

    enum CodingKeys: String, CodingKey {
        case project, permission
        case verifiedAt = "verified_at"
    }
}

/// A page of items and the cursor of the next page (null on the last).
struct PageJSON<Item: Encodable>: Encodable {
    let items: [Item]
    @NullEncoded var nextCursor: String?

    enum CodingKeys: String, CodingKey {
        case items
        case nextCursor = "next_cursor"
    }
}

/// A page of spend detail, and whether more is on its way: the provider reports it per completed UTC
/// day, so today's spend is in the ledger at once but its breakdown by model arrives the next day.
struct SpendPageJSON: Encodable {
    let items: [UsageRecordJSON]
    @NullEncoded var nextCursor: String?
    /// Keys that spent on a day whose detail has not arrived yet.
    let detailPendingKeys: Int
    @NullEncoded var detailNote: String?

    init(page: Page<UsageRecord>, detailPendingKeys: Int) {
        items = page.items.map(UsageRecordJSON.init)
        nextCursor = page.nextCursor
        self.detailPendingKeys = detailPendingKeys
        detailNote = detailPendingKeys > 0 ? Self.note : nil
    }

    static let note =
        "Detail by model arrives the next day: the provider reports spend per completed UTC day. "
        + "The ledger already holds today's spend."

    enum CodingKeys: String, CodingKey {
        case items
        case nextCursor = "next_cursor"
        case detailPendingKeys = "detail_pending_keys"
        case detailNote = "detail_note"
    }
}
