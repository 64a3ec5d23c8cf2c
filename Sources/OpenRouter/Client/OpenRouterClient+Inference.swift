/// Inference with an inference key, for tests, demos and benchmarks. Agents call the provider themselves.
extension OpenRouterClient {
    /// `POST /chat/completions` without streaming. Never retried (it spends money).
    public func chatCompletion(_ request: ChatCompletionRequest) async throws -> ChatCompletion {
        try await send(.post, "/chat/completions", body: request, as: ChatCompletion.self)
    }
}
