import Hummingbird

/// `/chat/completions`, `/messages`, `/responses`, `/models`, `/generation`, `/key` and `/auth/key`.
struct InferenceRoutes: Sendable {
    let state: SimulatorState
    var runner: RouteRunner { RouteRunner(state: state) }

    func add<Context: RequestContext>(to router: some RouterMethods<Context>) {
        router.post("chat/completions") { request, context in
            try await runner.run("POST", "/chat/completions", context: context) {
                let parsed = try InferenceRequest.chat(try await HTTPAnswers.body(request))
                let served = try await serve(parsed, request)
                return parsed.stream
                    ? HTTPAnswers.eventStream(ChatCompletionsFormat.stream(served))
                    : HTTPAnswers.json(ChatCompletionsFormat.completion(served))
            }
        }
        router.post("messages") { request, context in
            try await runner.run("POST", "/messages", format: .anthropic, context: context) {
                let parsed = try InferenceRequest.messages(try await HTTPAnswers.body(request))
                let served = try await serve(parsed, request)
                return parsed.stream
                    ? HTTPAnswers.eventStream(MessagesFormat.stream(served))
                    : HTTPAnswers.json(MessagesFormat.complete(served))
            }
        }
        router.post("responses") { request, context in
            try await runner.run("POST", "/responses", context: context) {
                let parsed = try InferenceRequest.responses(try await HTTPAnswers.body(request))
                let served = try await serve(parsed, request)
                return parsed.stream
                    ? HTTPAnswers.eventStream(ResponsesFormat.stream(served, maxOutputTokens: parsed.maxTokens))
                    : HTTPAnswers.json(
                        ResponsesFormat.response(served, finished: true, maxOutputTokens: parsed.maxTokens))
            }
        }
        router.get("models") { _, context in
            try await runner.run("GET", "/models", context: context) {
                HTTPAnswers.json(await state.modelsJSON())
            }
        }
        router.get("generation") { request, context in
            try await runner.run("GET", "/generation", context: context) {
                HTTPAnswers.json(
                    try await state.generation(
                        id: request.uri.queryParameters.get("id"), token: HTTPAnswers.token(request)))
            }
        }
        for path in ["key", "auth/key"] {
            router.get(RouterPath(path)) { request, context in
                try await runner.run("GET", "/" + path, context: context) {
                    HTTPAnswers.json(try await state.currentKey(HTTPAnswers.token(request)))
                }
            }
        }
    }

    private func serve(_ parsed: InferenceRequest, _ request: Request) async throws -> ServedGeneration {
        try await state.serve(parsed, token: HTTPAnswers.token(request), attribution: HTTPAnswers.attribution(request))
    }
}
