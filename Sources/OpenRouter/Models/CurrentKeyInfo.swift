import OpubCore

/// What `GET /key` says about the key making the call: its limit, what is left, and its kind.
public struct CurrentKeyInfo: Sendable, Hashable, Decodable {
    public var label: String
    public var limit: Money?
    public var limitRemaining: Money?
    public var limitReset: KeyLimitReset?
    public var includeBYOKInLimit: Bool
    public var usage: Money
    public var usageDaily: Money
    public var usageWeekly: Money
    public var usageMonthly: Money
    public var byokUsage: Money
    public var expiresAt: Timestamp?
    public var creatorUserID: String?
    public var isFreeTier: Bool
    public var isManagementKey: Bool

    enum CodingKeys: String, CodingKey {
        case label, limit, usage
        case limitRemaining = "limit_remaining"
        case limitReset = "limit_reset"
        case includeBYOKInLimit = "include_byok_in_limit"
        case usageDaily = "usage_daily"
        case usageWeekly = "usage_weekly"
        case usageMonthly = "usage_monthly"
        case byokUsage = "byok_usage"
        case expiresAt = "expires_at"
        case creatorUserID = "creator_user_id"
        case isFreeTier = "is_free_tier"
        case isManagementKey = "is_management_key"
        case isProvisioningKey = "is_provisioning_key"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        label = try container.decode(String.self, forKey: .label)
        limit = try container.decodeUSDIfPresent(forKey: .limit)
        limitRemaining = try container.decodeUSDIfPresent(forKey: .limitRemaining)
        limitReset = try container.decodeIfPresent(KeyLimitReset.self, forKey: .limitReset)
        includeBYOKInLimit = try container.decodeIfPresent(Bool.self, forKey: .includeBYOKInLimit) ?? false
        usage = try container.decodeUSD(forKey: .usage)
        usageDaily = try container.decodeUSDIfPresent(forKey: .usageDaily) ?? .zero
        usageWeekly = try container.decodeUSDIfPresent(forKey: .usageWeekly) ?? .zero
        usageMonthly = try container.decodeUSDIfPresent(forKey: .usageMonthly) ?? .zero
        byokUsage = try container.decodeUSDIfPresent(forKey: .byokUsage) ?? .zero
        expiresAt = try container.decodeTimestampIfPresent(forKey: .expiresAt)
        creatorUserID = try container.decodeIfPresent(String.self, forKey: .creatorUserID)
        isFreeTier = try container.decodeIfPresent(Bool.self, forKey: .isFreeTier) ?? false
        let management = try container.decodeIfPresent(Bool.self, forKey: .isManagementKey)
        let provisioning = try container.decodeIfPresent(Bool.self, forKey: .isProvisioningKey)
        isManagementKey = management ?? provisioning ?? false
    }
}
