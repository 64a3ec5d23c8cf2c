/// The simulator's fixed price table. Prices are per token in USD, chosen to resemble public list prices
/// at the time of writing; they are the simulator's own and never change at run time, so tests can
/// compute every cost by hand (cost = prompt tokens × prompt price + completion tokens × completion price).
public struct PriceTable: Sendable {
    public var models: [ModelPricing]

    public init(models: [ModelPricing]) { self.models = models }

    /// The standard table documented in `docs/openrouter-sim.md`.
    public static let standard = PriceTable(models: [
        ModelPricing(
            id: "openai/gpt-5.4-mini", canonicalSlug: "openai/gpt-5.4-mini-20260305", name: "OpenAI: GPT-5.4 Mini",
            providerName: "OpenAI", contextLength: 128_000, maxCompletionTokens: 16_384,
            promptPrice: "0.00000015", completionPrice: "0.0000006"),
        ModelPricing(
            id: "openai/gpt-5.4", canonicalSlug: "openai/gpt-5.4-20260305", name: "OpenAI: GPT-5.4",
            providerName: "OpenAI", contextLength: 128_000, maxCompletionTokens: 16_384,
            promptPrice: "0.0000025", completionPrice: "0.00001"),
        ModelPricing(
            id: "openai/gpt-5.3-codex", canonicalSlug: "openai/gpt-5.3-codex-20260205", name: "OpenAI: GPT-5.3-Codex",
            providerName: "OpenAI", contextLength: 400_000, maxCompletionTokens: 128_000,
            promptPrice: "0.00000175", completionPrice: "0.000014"),
        ModelPricing(
            id: "anthropic/claude-sonnet-4.6", canonicalSlug: "anthropic/claude-4.6-sonnet-20260217",
            name: "Anthropic: Claude Sonnet 4.6", providerName: "Anthropic", contextLength: 200_000,
            maxCompletionTokens: 64_000, promptPrice: "0.000003", completionPrice: "0.000015"),
        ModelPricing(
            id: "anthropic/claude-haiku-4.5", canonicalSlug: "anthropic/claude-4.5-haiku-20251001",
            name: "Anthropic: Claude Haiku 4.5", providerName: "Anthropic", contextLength: 200_000,
            maxCompletionTokens: 8_192, promptPrice: "0.0000008", completionPrice: "0.000004"),
        ModelPricing(
            id: "mistralai/devstral-2512", canonicalSlug: "mistralai/devstral-2512",
            name: "Mistral: Devstral 2", providerName: "Mistral", contextLength: 128_000,
            maxCompletionTokens: 32_768, promptPrice: "0.00000007", completionPrice: "0.00000028"),
        ModelPricing(
            id: "qwen/qwen3-coder", canonicalSlug: "qwen/qwen3-coder-480b-a35b-07-25", name: "Qwen: Qwen3 Coder",
            providerName: "Alibaba", contextLength: 262_144, maxCompletionTokens: 65_536,
            promptPrice: "0.0000002", completionPrice: "0.0000008"),
        ModelPricing(
            id: "google/gemini-2.5-flash", canonicalSlug: "google/gemini-2.5-flash",
            name: "Google: Gemini 2.5 Flash", providerName: "Google", contextLength: 1_048_576,
            maxCompletionTokens: 65_535, promptPrice: "0.0000003", completionPrice: "0.0000025"),
        ModelPricing(
            id: "deepseek/deepseek-chat-v3.1", canonicalSlug: "deepseek/deepseek-chat-v3.1",
            name: "DeepSeek: DeepSeek V3.1", providerName: "DeepSeek", contextLength: 163_840,
            maxCompletionTokens: 32_768, promptPrice: "0.0000002", completionPrice: "0.0000008"),
    ])

    /// Finds a model by slug, canonical slug, bare name (`gpt-5.4-mini`), or a dated variant of a bare name
    /// (`claude-sonnet-4-6-20260217`, as Anthropic clients send).
    public func model(named requested: String) -> ModelPricing? {
        if let exact = models.first(where: { $0.id == requested || $0.canonicalSlug == requested }) { return exact }
        let bare = requested.split(separator: "/").last.map(String.init) ?? requested
        if let byName = models.first(where: { $0.id.hasSuffix("/" + bare) }) { return byName }
        return
            models
            .filter { bare.hasPrefix(String($0.id.split(separator: "/").last ?? "") + "-") }
            .max { $0.id.count < $1.id.count }
    }
}
