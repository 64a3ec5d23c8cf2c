import OpenRouter
import OpubCore
import OpubSurfaces

/// Who made an inference request, from its headers (recorded, never used for auth).
struct Attribution: Sendable {
    var referer: String?
    var title: String?
    /// `X-OpenRouter-Categories`, comma-separated.
    var categories: String?
    var sessionHeader: String?
    var userAgent: String? = nil
}

/// One served inference request: the record plus the text to send.
struct ServedGeneration: Sendable {
    var record: GenerationRecord
    var text: String
    var model: ModelPricing
}

/// Admission (auth, model, provider allowlists, limits) and charging, atomically.
extension SimulatorState {
    /// The answer: a tool call when the request asks for one, the quoted tool result when it ends with
    /// one (``ToolCallPlan``), else the engine's deterministic text.
    static func completion(
        _ request: InferenceRequest, model: ModelPricing, maxTokens: Int, engine: CompletionEngine
    ) -> CompletionEngine.Completion {
        if let call = request.toolCall {
            return CompletionEngine.Completion(
                text: "", completionTokens: CompletionEngine.tokens(in: call.fullName + "{}"),
                finishReason: "tool_calls")
        }
        if let result = request.toolResult {
            let text =
                "The tool answered: " + result.prefix(160).split(whereSeparator: \.isNewline).joined(separator: " ")
            return CompletionEngine.Completion(
                text: text, completionTokens: CompletionEngine.tokens(in: text), finishReason: "stop")
        }
        return engine.complete(model: model.id, prompt: request.promptText, maxTokens: maxTokens)
    }

    /// Checks a request the way OpenRouter does, then generates and charges it in the same step.
    ///
    /// Limit rules: nothing left in the key's window → 403 `Key limit exceeded (… limit)`; some left but
    /// less than the worst case (prompt tokens and `max_tokens`, or the model's maximum output, at the
    /// model's prices) → 402 with the affordable token count. With the `overshoot` fault the worst-case
    /// check is skipped and the actual cost is charged even past the limit.
    func serve(
        _ request: InferenceRequest, token: String?, attribution: Attribution
    ) throws(SimFailure) -> ServedGeneration {
        let hash = try inferenceKeyHash(token)
        guard var key = keys[hash] else { throw .userNotFound }
        guard let model = priceTable.model(named: request.model) else {
            throw .badRequest("\(request.model) is not a valid model ID")
        }
        if let allowed = request.allowedProviders {
            let names = Set([model.providerSlug, model.providerName].map { $0.lowercased() })
            if !allowed.contains(where: { names.contains($0.lowercased()) }) {
                throw .notFound("No allowed providers are available for the selected model.")
            }
        }
        if let guardrailID = key.guardrailID, let guardrail = guardrails[guardrailID],
            let refusal = guardrail.refusal(for: model)
        {
            throw SimFailure(status: 403, message: refusal)
        }
        if let session = request.sessionID, session.count > 256 {
            throw .badRequest("session_id: at most 256 characters")
        }
        let byok = faults.byokProviders.contains { $0.lowercased() == model.providerSlug.lowercased() }
        if !byok, accountUsage >= totalCredits {
            throw SimFailure(
                status: 402, message: "Insufficient credits. Add more using https://openrouter.ai/settings/credits")
        }
        let time = now
        let maxTokens = request.maxTokens ?? model.maxCompletionTokens
        let promptTokens = request.promptTokens
        // The key's own limit and its guardrail's per-key budget: the lower remaining wins.
        let budget = key.guardrailID.flatMap { guardrails[$0] }?.remaining(for: key, at: time)
        let limits = [
            key.remaining(at: time).map { ($0, key.limitReset?.rawValue ?? "total") },
            budget.map { ($0, "guardrail budget") },
        ]
        if let (remaining, window) = limits.compactMap({ $0 }).min(by: { $0.0 < $1.0 }) {
            if remaining <= .zero {
                throw SimFailure(
                    status: 403,
                    message: "Key limit exceeded (\(window) limit). Manage it using https://openrouter.ai/settings/keys"
                )
            }
            let promptCost = model.promptNano * promptTokens
            let worstCase = promptCost + model.completionNano * maxTokens
            if !faults.overshoot, worstCase > remaining {
                let perToken = model.completionNano.value
                let affordable = perToken > 0 ? Int(max(0, (remaining - promptCost).value / perToken)) : maxTokens
                throw SimFailure(
                    status: 402,
                    message: "This request requires more credits, or fewer max_tokens. You requested up to "
                        + "\(maxTokens) tokens, but can only afford \(affordable). To increase, visit "
                        + "https://openrouter.ai/settings/keys and create a key with a higher \(window) limit")
            }
        }
        let completion = Self.completion(request, model: model, maxTokens: maxTokens, engine: engine)
        let cost = model.cost(promptTokens: promptTokens, completionTokens: completion.completionTokens)
        key.charge(cost, byok: byok, at: time, reportLagSeconds: faults.usageLagSeconds)
        key.forgetReportedCharges(at: time, reportLagSeconds: faults.usageLagSeconds)
        key.lastUsedAt = time
        keys[hash] = key
        if !byok { accountUsage += cost }
        let id = nextGenerationID()
        let endpoint = activity.nextEndpoint(keyHash: hash, model: model.id, at: time)
        activity.record(
            keyHash: hash, model: model.id, endpoint: endpoint, at: time, cost: cost, byok: byok,
            promptTokens: promptTokens, completionTokens: completion.completionTokens)
        var record = GenerationRecord(
            id: id, keyHash: hash, model: model.id, providerName: model.providerName,
            api: request.api.rawValue, promptTokens: promptTokens, completionTokens: completion.completionTokens,
            cost: cost, createdAt: time, streamed: request.stream, finishReason: completion.finishReason,
            referer: attribution.referer, title: attribution.title, categories: attribution.categories,
            toolCall: request.toolCall, toolResult: request.toolResult, offeredTools: request.offeredTools,
            user: request.user,
            bodySessionID: request.sessionID, headerSessionID: attribution.sessionHeader)
        record.userAgent = attribution.userAgent
        record.byok = byok ? true : nil
        record.workspaceID = key.workspaceID
        record.endpoint = endpoint
        record.promptCost = model.promptNano * promptTokens
        generations[record.id] = record
        generationsByKey[hash, default: []].append(record.id)
        markChanged()
        return ServedGeneration(record: record, text: completion.text, model: model)
    }

    /// `GET /models`: pages by `offset`/`limit` (default 500) with `total_count` and `links.next`.
    func modelsJSON(offset: Int, limit: Int, baseURL: String) -> JSONValue {
        let page = priceTable.models.dropFirst(offset).prefix(limit)
        let next = offset + page.count < priceTable.models.count
        return .object([
            ("data", .array(page.map { Self.modelJSON($0, baseURL: baseURL) })),
            ("total_count", .int(priceTable.models.count)),
            (
                "links",
                .object([
                    ("next", next ? .string("\(baseURL)/models?offset=\(offset + page.count)&limit=\(limit)") : .null)
                ])
            ),
        ])
    }

    static func modelJSON(_ model: ModelPricing, baseURL: String) -> JSONValue {
        .object([
            ("id", .string(model.id)),
            ("canonical_slug", .string(model.canonicalSlug)),
            ("name", .string(model.name)),
            ("created", .int(1_735_689_600)),
            ("description", .string("\(model.name), served by openrouter-sim at fixed prices.")),
            ("context_length", .int(model.contextLength)),
            (
                "architecture",
                .object([
                    ("modality", .string("text->text")),
                    ("input_modalities", .array([.string("text")])),
                    ("output_modalities", .array([.string("text")])),
                    ("tokenizer", .string("sim-4-chars")),
                    ("instruct_type", .null),
                ])
            ),
            (
                "pricing",
                .object([
                    ("prompt", .string(model.promptPrice)),
                    ("completion", .string(model.completionPrice)),
                    ("request", .string("0")), ("image", .string("0")),
                ])
            ),
            (
                "top_provider",
                .object([
                    ("context_length", .int(model.contextLength)),
                    ("max_completion_tokens", .int(model.maxCompletionTokens)),
                    ("is_moderated", .bool(false)),
                ])
            ),
            ("per_request_limits", .null),
            (
                "supported_parameters",
                .array(
                    ["max_tokens", "temperature", "top_p", "stop", "tools", "tool_choice"].map(JSONValue.string))
            ),
            ("default_parameters", .null),
            ("supported_voices", .null),
            ("links", .object([("details", .string("\(baseURL)/models/\(model.id)/endpoints"))])),
        ])
    }
}
