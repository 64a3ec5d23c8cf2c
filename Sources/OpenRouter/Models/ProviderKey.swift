import OpubCore

/// A key as the management API describes it (`GET /keys`, `GET /keys/{hash}`, …). Never holds the secret.
///
/// Every amount is converted from the provider's USD numbers to ``Money`` when decoded.
public struct ProviderKey: Sendable, Hashable, Decodable {
    /// SHA-256 hex of the secret; the key's id in URLs.
    public var hash: String
    public var name: String
    /// The masked secret, e.g. `sk-or-v1-0e6...1c96`.
    public var label: String
    public var disabled: Bool
    /// The spending cap; nil means unlimited.
    public var limit: Money?
    /// `limit` minus the usage of the current reset window; nil when unlimited. Negative on an
    /// overspent key: never clamped.
    public var limitRemaining: Money?
    public var limitReset: KeyLimitReset?
    public var includeBYOKInLimit: Bool
    /// Lifetime usage of OpenRouter credits (BYOK usage is reported apart, in ``byokUsage``).
    public var usage: Money
    public var usageDaily: Money
    public var usageWeekly: Money
    public var usageMonthly: Money
    public var byokUsage: Money
    public var byokUsageDaily: Money
    public var byokUsageWeekly: Money
    public var byokUsageMonthly: Money
    public var createdAt: Timestamp
    /// Nil right after creation.
    public var updatedAt: Timestamp?
    public var expiresAt: Timestamp?
    public var creatorUserID: String?
    public var workspaceID: String?
    public var lastUsedAt: Timestamp?

    /// What opub's ledger follows: credit and BYOK usage together (``ProviderSpend``).
    public var spend: Money { ProviderSpend.counted(creditUsage: usage, byokUsage: byokUsage) }

    enum CodingKeys: String, CodingKey {
        case hash, name, label, disabled, limit, usage
        case limitRemaining = "limit_remaining"
        case limitReset = "limit_reset"
        case includeBYOKInLimit = "include_byok_in_limit"
        case usageDaily = "usage_daily"
        case usageWeekly = "usage_weekly"
        case usageMonthly = "usage_monthly"
        case byokUsage = "byok_usage"
        case byokUsageDaily = "byok_usage_daily"
        case byokUsageWeekly = "byok_usage_weekly"
        case byokUsageMonthly = "byok_usage_monthly"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
        case expiresAt = "expires_at"
        case creatorUserID = "creator_user_id"
        case workspaceID = "workspace_id"
        case lastUsedAt = "last_used_at"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        hash = try container.decode(String.self, forKey: .hash)
        name = try container.decode(String.self, forKey: .name)
        label = try container.decode(String.self, forKey: .label)
        disabled = try container.decode(Bool.self, forKey: .disabled)
        limit = try container.decodeUSDIfPresent(forKey: .limit)
        limitRemaining = try container.decodeUSDIfPresent(forKey: .limitRemaining)
        // A free string in the reference: a window opub does not know reads as none, never as an error.
        limitReset = (try? container.decodeIfPresent(String.self, forKey: .limitReset)).flatMap {
            $0.flatMap(KeyLimitReset.init(rawValue:))
        }
        includeBYOKInLimit = try container.decodeIfPresent(Bool.self, forKey: .includeBYOKInLimit) ?? false
        usage = try container.decodeUSD(forKey: .usage)
        usageDaily = try container.decodeUSDIfPresent(forKey: .usageDaily) ?? .zero
        usageWeekly = try container.decodeUSDIfPresent(forKey: .usageWeekly) ?? .zero
        usageMonthly = try container.decodeUSDIfPresent(forKey: .usageMonthly) ?? .zero
        byokUsage = try container.decodeUSDIfPresent(forKey: .byokUsage) ?? .zero
        byokUsageDaily = try container.decodeUSDIfPresent(forKey: .byokUsageDaily) ?? .zero
        byokUsageWeekly = try container.decodeUSDIfPresent(forKey: .byokUsageWeekly) ?? .zero
        byokUsageMonthly = try container.decodeUSDIfPresent(forKey: .byokUsageMonthly) ?? .zero
        createdAt = try container.decodeTimestamp(forKey: .createdAt)
        updatedAt = try container.decodeTimestampIfPresent(forKey: .updatedAt)
        expiresAt = try container.decodeTimestampIfPresent(forKey: .expiresAt)
        creatorUserID = try container.decodeIfPresent(String.self, forKey: .creatorUserID)
        workspaceID = try container.decodeIfPresent(String.self, forKey: .workspaceID)
        lastUsedAt = try? container.decodeTimestampIfPresent(forKey: .lastUsedAt)
    }
}
