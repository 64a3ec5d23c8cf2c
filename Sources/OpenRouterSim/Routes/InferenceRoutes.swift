import Hummingbird

/// `/chat/completions`, `/messages`, `/responses`, `/models`, `/generation`, `/key` and `/auth/key`.
struct InferenceRoutes: Sendable {
    let state: SimulatorState
    /// Gets a trace of each served generation, when broadcasting is configured.
    var broadcaster: TraceBroadcaster? = nil
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
        router.get("models") { request, context in
            try await runner.run("GET", "/models", context: context) {
                let query = request.uri.queryParameters
                let offset = try Self.count(query.get("offset"), "offset", default: 0, range: 0...Int.max)
                let limit = try Self.count(query.get("limit"), "limit", default: 500, range: 1...1000)
                return HTTPAnswers.json(
                    await state.modelsJSON(
                        offset: offset, limit: limit, baseURL: HTTPAnswers.baseURL(request, route: "/models")))
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

    static func count(
        _ text: String?, _ name: String, default value: Int, range: ClosedRange<Int>
    ) throws(SimFailure) -> Int {
        guard let text else { return value }
        guard let number = Int(text), range.contains(number) else {
            throw .badRequest("\(name): an integer from \(range.lowerBound) is required")
        }
        return number
    }

    /// Serves the request; a served generation is then queued for broadcast (failed requests are not).
    private func serve(_ parsed: InferenceRequest, _ request: Request) async throws -> ServedGeneration {
        let served = try await state.serve(
            parsed, token: HTTPAnswers.token(request), attribution: HTTPAnswers.attribution(request))
        if let broadcaster {
            let keyName = await state.keyName(hash: served.record.keyHash)
            broadcaster.enqueue(BroadcastTrace(served: served, request: parsed, keyName: keyName))
        }
        return served
    }
}
