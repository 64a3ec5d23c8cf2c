import OpubCore

/// The body of `POST /guardrails`.
public struct CreateGuardrailRequest: Sendable, Hashable, Encodable {
    public var name: String
    public var description: String?
    /// Provider slugs requests may be routed to; empty allows any.
    public var allowedProviders: [String]
    /// Model slugs requests may use; empty allows any.
    public var allowedModels: [String]
    public var limit: Money?
    public var resetInterval: KeyLimitReset?

    public init(
        name: String, description: String? = nil, allowedProviders: [String] = [], allowedModels: [String] = [],
        limit: Money? = nil, resetInterval: KeyLimitReset? = nil
    ) {
        self.name = name
        self.description = description
        self.allowedProviders = allowedProviders
        self.allowedModels = allowedModels
        self.limit = limit
        self.resetInterval = resetInterval
    }

    enum CodingKeys: String, CodingKey {
        case name, description
        case allowedProviders = "allowed_providers"
        case allowedModels = "allowed_models"
        case limit = "limit_usd"
        case resetInterval = "reset_interval"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encodeIfPresent(description, forKey: .description)
        if !allowedProviders.isEmpty { try container.encode(allowedProviders, forKey: .allowedProviders) }
        if !allowedModels.isEmpty { try container.encode(allowedModels, forKey: .allowedModels) }
        if let limit { try container.encodeUSD(limit, forKey: .limit) }
        try container.encodeIfPresent(resetInterval, forKey: .resetInterval)
    }
}
