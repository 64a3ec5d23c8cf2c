import OpubCore

/// One row of `GET /activity`: a key's (or the account's) spend on one model on one UTC day.
public struct ActivityRecord: Sendable, Hashable, Decodable {
    /// `YYYY-MM-DD`.
    public var date: String
    public var model: String
    public var modelPermaslug: String?
    public var endpointID: String?
    public var providerName: String?
    public var usage: Money
    public var byokUsageInference: Money
    public var requests: Int
    public var promptTokens: Int
    public var completionTokens: Int
    public var reasoningTokens: Int

    enum CodingKeys: String, CodingKey {
        case date, model, usage, requests
        case modelPermaslug = "model_permaslug"
        case endpointID = "endpoint_id"
        case providerName = "provider_name"
        case byokUsageInference = "byok_usage_inference"
        case promptTokens = "prompt_tokens"
        case completionTokens = "completion_tokens"
        case reasoningTokens = "reasoning_tokens"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let rawDate = try container.decode(String.self, forKey: .date)
        date = String(rawDate.prefix(10))
        model = try container.decode(String.self, forKey: .model)
        modelPermaslug = try container.decodeIfPresent(String.self, forKey: .modelPermaslug)
        endpointID = try container.decodeIfPresent(String.self, forKey: .endpointID)
        providerName = try container.decodeIfPresent(String.self, forKey: .providerName)
        usage = try container.decodeUSD(forKey: .usage)
        byokUsageInference = try container.decodeUSDIfPresent(forKey: .byokUsageInference) ?? .zero
        requests = try container.decodeIfPresent(Int.self, forKey: .requests) ?? 0
        promptTokens = try container.decodeIfPresent(Int.self, forKey: .promptTokens) ?? 0
        completionTokens = try container.decodeIfPresent(Int.self, forKey: .completionTokens) ?? 0
        reasoningTokens = try container.decodeIfPresent(Int.self, forKey: .reasoningTokens) ?? 0
    }
}
