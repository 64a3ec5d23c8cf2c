import OpubCore

/// The parts of a `POST /chat/completions` answer opub uses: the text, the token counts and the cost.
public struct ChatCompletion: Sendable, Hashable, Decodable {
    /// The generation id (`gen-…`), usable with `GET /generation`.
    public var id: String
    public var model: String
    public var content: String
    public var finishReason: String?
    public var usage: Usage

    /// Tokens and the USD actually charged, converted to micro-dollars.
    public struct Usage: Sendable, Hashable, Decodable {
        public var promptTokens: Int
        public var completionTokens: Int
        public var totalTokens: Int
        public var cost: Money

        enum CodingKeys: String, CodingKey {
            case promptTokens = "prompt_tokens"
            case completionTokens = "completion_tokens"
            case totalTokens = "total_tokens"
            case cost
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            promptTokens = try container.decode(Int.self, forKey: .promptTokens)
            completionTokens = try container.decode(Int.self, forKey: .completionTokens)
            totalTokens =
                try container.decodeIfPresent(Int.self, forKey: .totalTokens)
                ?? promptTokens + completionTokens
            cost = try container.decodeUSDIfPresent(forKey: .cost) ?? .zero
        }
    }

    enum CodingKeys: String, CodingKey { case id, model, choices, usage }
    struct Choice: Decodable {
        struct Message: Decodable { var content: String? }
        var message: Message
        var finishReason: String?
        enum CodingKeys: String, CodingKey {
            case message
            case finishReason = "finish_reason"
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        model = try container.decode(String.self, forKey: .model)
        let choices = try container.decode([Choice].self, forKey: .choices)
        content = choices.first?.message.content ?? ""
        finishReason = choices.first?.finishReason
        usage = try container.decode(Usage.self, forKey: .usage)
    }
}
