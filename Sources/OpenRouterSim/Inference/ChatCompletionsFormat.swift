import OpubSurfaces

/// OpenAI chat completions as OpenRouter writes them, with `usage.cost` in USD.
enum ChatCompletionsFormat {
    static func usage(_ record: GenerationRecord) -> JSONValue {
        .object([
            ("prompt_tokens", .int(record.promptTokens)),
            ("completion_tokens", .int(record.completionTokens)),
            ("total_tokens", .int(record.promptTokens + record.completionTokens)),
            ("cost", record.creditCost.json),
            ("is_byok", .bool(record.byok ?? false)),
            ("prompt_tokens_details", .object([("cached_tokens", .int(0))])),
            ("cost_details", record.costDetails),
            ("completion_tokens_details", .object([("reasoning_tokens", .int(0))])),
        ])
    }

    static func toolCallJSON(
        _ record: GenerationRecord, call: ToolCallPlan, arguments: String, index: Bool
    ) -> JSONValue {
        var members: [(String, JSONValue)] = index ? [("index", .int(0))] : []
        members += [
            ("id", .string("call_" + record.id.dropFirst(4))), ("type", .string("function")),
            ("function", .object([("name", .string(call.fullName)), ("arguments", .string(arguments))])),
        ]
        return .object(members)
    }

    /// The assistant message: its text, or its one tool call.
    static func message(_ served: ServedGeneration) -> JSONValue {
        guard let call = served.record.toolCall else {
            return .object([
                ("role", .string("assistant")), ("content", .string(served.text)), ("refusal", .null),
                ("reasoning", .null),
            ])
        }
        return .object([
            ("role", .string("assistant")), ("content", .null), ("refusal", .null), ("reasoning", .null),
            ("tool_calls", .array([toolCallJSON(served.record, call: call, arguments: "{}", index: false)])),
        ])
    }

    static func completion(_ served: ServedGeneration) -> JSONValue {
        let record = served.record
        return .object([
            ("id", .string(record.id)),
            ("provider", .string(record.providerName)),
            ("model", .string(record.model)),
            ("object", .string("chat.completion")),
            ("created", .int64(record.createdAt.microsSinceEpoch / 1_000_000)),
            ("system_fingerprint", .null),
            (
                "choices",
                .array([
                    .object([
                        ("logprobs", .null),
                        ("finish_reason", .string(record.finishReason)),
                        ("native_finish_reason", .string(record.finishReason)),
                        ("index", .int(0)),
                        ("message", message(served)),
                    ])
                ])
            ),
            ("usage", usage(record)),
        ])
    }

    /// `: OPENROUTER PROCESSING`, content chunks, a chunk with the finish reason, a chunk with `usage`,
    /// then `data: [DONE]`.
    static func stream(_ served: ServedGeneration) -> [String] {
        let record = served.record
        func chunk(_ delta: JSONValue, finish: String?, usage: JSONValue? = nil, choices: Bool = true) -> String {
            var members: [(String, JSONValue)] = [
                ("id", .string(record.id)),
                ("provider", .string(record.providerName)),
                ("model", .string(record.model)),
                ("object", .string("chat.completion.chunk")),
                ("created", .int64(record.createdAt.microsSinceEpoch / 1_000_000)),
                (
                    "choices",
                    choices
                        ? .array([
                            .object([
                                ("index", .int(0)), ("delta", delta),
                                ("finish_reason", .optionalString(finish)),
                                ("native_finish_reason", .optionalString(finish)), ("logprobs", .null),
                            ])
                        ]) : .array([])
                ),
            ]
            if let usage { members.append(("usage", usage)) }
            return TextChunks.sse(.object(members))
        }
        var frames = [": OPENROUTER PROCESSING\n\n"]
        if let call = record.toolCall {
            frames.append(
                chunk(
                    .object([
                        ("role", .string("assistant")), ("content", .null),
                        ("tool_calls", .array([toolCallJSON(record, call: call, arguments: "{}", index: true)])),
                    ]), finish: nil))
        }
        for piece in TextChunks.split(served.text) {
            frames.append(chunk(.object([("role", .string("assistant")), ("content", .string(piece))]), finish: nil))
        }
        frames.append(
            chunk(.object([("role", .string("assistant")), ("content", .string(""))]), finish: record.finishReason))
        frames.append(chunk(.object([]), finish: nil, usage: usage(record), choices: false))
        frames.append("data: [DONE]\n\n")
        return frames
    }
}
