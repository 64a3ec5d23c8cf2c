import OpubCore

/// A guardrail: an allowlist of providers and models (and an optional spending cap) applied to the
/// keys assigned to it. A key holds at most one guardrail.
public struct Guardrail: Sendable, Hashable, Decodable {
    public var id: String
    public var name: String
    public var description: String?
    /// Provider slugs (`openai`, `anthropic`, …); empty means any provider.
    public var allowedProviders: [String]
    /// Model slugs; empty means any model.
    public var allowedModels: [String]
    public var limit: Money?
    public var resetInterval: KeyLimitReset?
    public var createdAt: Timestamp?

    enum CodingKeys: String, CodingKey {
        case id, name, description
        case allowedProviders = "allowed_providers"
        case allowedModels = "allowed_models"
        case limit = "limit_usd"
        case resetInterval = "reset_interval"
        case createdAt = "created_at"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        name = try container.decode(String.self, forKey: .name)
        description = try container.decodeIfPresent(String.self, forKey: .description)
        allowedProviders = try container.decodeIfPresent([String].self, forKey: .allowedProviders) ?? []
        allowedModels = try container.decodeIfPresent([String].self, forKey: .allowedModels) ?? []
        limit = try container.decodeUSDIfPresent(forKey: .limit)
        resetInterval = try container.decodeIfPresent(KeyLimitReset.self, forKey: .resetInterval)
        createdAt = try container.decodeTimestampIfPresent(forKey: .createdAt)
    }
}
