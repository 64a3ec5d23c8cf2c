/// One model the simulator serves, with its fixed per-token prices.
public struct ModelPricing: Sendable, Hashable {
    /// The OpenRouter slug, `provider/model`.
    public var id: String
    /// The dated slug `/activity` calls `model_permaslug`.
    public var canonicalSlug: String
    public var name: String
    /// The upstream provider's display name (`provider_name`).
    public var providerName: String
    public var contextLength: Int
    /// The default worst case when a request gives no `max_tokens`.
    public var maxCompletionTokens: Int
    /// USD per prompt token, as `/models` writes it (`"0.00000015"`).
    public var promptPrice: String
    /// USD per completion token.
    public var completionPrice: String

    public init(
        id: String, canonicalSlug: String, name: String, providerName: String, contextLength: Int,
        maxCompletionTokens: Int, promptPrice: String, completionPrice: String
    ) {
        self.id = id
        self.canonicalSlug = canonicalSlug
        self.name = name
        self.providerName = providerName
        self.contextLength = contextLength
        self.maxCompletionTokens = maxCompletionTokens
        self.promptPrice = promptPrice
        self.completionPrice = completionPrice
    }

    /// The slug prefix (`openai` in `openai/gpt-5.4-mini`), what guardrail allowlists name.
    public var providerSlug: String { String(id.split(separator: "/").first ?? Substring(id)) }

    var promptNano: NanoUSD { NanoUSD(decimalText: promptPrice) ?? .zero }
    var completionNano: NanoUSD { NanoUSD(decimalText: completionPrice) ?? .zero }

    /// tokens × prices, exact.
    func cost(promptTokens: Int, completionTokens: Int) -> NanoUSD {
        promptNano * promptTokens + completionNano * completionTokens
    }
}
