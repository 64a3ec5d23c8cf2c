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
    let githubRepoID: Int64?
    let claimed: Bool
    let claimedAt: String?
    let suspended: Bool
    let createdAt: String
    let balance: AmountJSON
    let reserved: AmountJSON
    let available: AmountJSON
    let donated: AmountJSON
    let granted: AmountJSON
    let spent: AmountJSON
    let fees: AmountJSON
    /// Linked spend ÷ all spend over 30 days; null until the project has spend.
    let linkedCoverage30d: Double?
    let activeKeys: Int
    let activeSessions: Int
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
        available = AmountJSON(summary.available)
        donated = AmountJSON(summary.donated)
        granted = AmountJSON(summary.granted)
        spent = AmountJSON(summary.spent)
        fees = AmountJSON(summary.fees)
        linkedCoverage30d = summary.linkedCoverage30d
        activeKeys = summary.activeKeys
        activeSessions = summary.activeSessions
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
        case balance, reserved, available, donated, granted, spent, fees
        case linkedCoverage30d = "linked_coverage_30d"
        case activeKeys = "active_keys"
        case activeSessions = "active_sessions"
        case pageURL = "page_url"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(owner, forKey: .owner)
        try container.encode(repo, forKey: .repo)
        try container.encode(fullName, forKey: .fullName)
        try container.encode(githubRepoID, forKey: .githubRepoID)
        try container.encode(claimed, forKey: .claimed)
        try container.encode(claimedAt, forKey: .claimedAt)
        try container.encode(suspended, forKey: .suspended)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(balance, forKey: .balance)
        try container.encode(reserved, forKey: .reserved)
        try container.encode(available, forKey: .available)
        try container.encode(donated, forKey: .donated)
        try container.encode(granted, forKey: .granted)
        try container.encode(spent, forKey: .spent)
        try container.encode(fees, forKey: .fees)
        try container.encode(linkedCoverage30d, forKey: .linkedCoverage30d)
        try container.encode(activeKeys, forKey: .activeKeys)
        try container.encode(activeSessions, forKey: .activeSessions)
        try container.encode(pageURL, forKey: .pageURL)
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
    let nextCursor: String?

    enum CodingKeys: String, CodingKey {
        case items
        case nextCursor = "next_cursor"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(items, forKey: .items)
        try container.encode(nextCursor, forKey: .nextCursor)
    }
}
