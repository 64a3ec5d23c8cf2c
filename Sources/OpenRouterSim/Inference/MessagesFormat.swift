import OpubSurfaces

/// Anthropic Messages as OpenRouter's `/messages` writes them; `usage` carries `cost` as well.
enum MessagesFormat {
    static func stopReason(_ record: GenerationRecord) -> String {
        if record.toolCall != nil { return "tool_use" }
        return record.finishReason == "length" ? "max_tokens" : "end_turn"
    }

    static func toolUseID(_ record: GenerationRecord) -> String { "toolu_" + record.id.dropFirst(4) }

    static func toolUse(_ record: GenerationRecord, call: ToolCallPlan, input: JSONValue) -> JSONValue {
        .object([
            ("type", .string("tool_use")), ("id", .string(toolUseID(record))), ("name", .string(call.fullName)),
            ("input", input),
        ])
    }

    static func usage(_ record: GenerationRecord, outputTokens: Int? = nil) -> JSONValue {
        .object([
            ("input_tokens", .int(record.promptTokens)),
            ("output_tokens", .int(outputTokens ?? record.completionTokens)),
            ("cache_creation_input_tokens", .int(0)),
            ("cache_read_input_tokens", .int(0)),
            ("cost", record.creditCost.json),
            ("is_byok", .bool(record.byok ?? false)),
        ])
    }

    static func message(
        _ served: ServedGeneration, content: [JSONValue], stop: JSONValue, usage: JSONValue
    )
        -> JSONValue
    {
        .object([
            ("id", .string(served.record.id)),
            ("type", .string("message")),
            ("role", .string("assistant")),
            ("model", .string(served.record.model)),
            ("content", .array(content)),
            ("stop_reason", stop),
            ("stop_sequence", .null),
            ("usage", usage),
        ])
    }

    static func complete(_ served: ServedGeneration) -> JSONValue {
        let content =
            served.record.toolCall.map { [toolUse(served.record, call: $0, input: .object([]))] }
            ?? [.object([("type", .string("text")), ("text", .string(served.text))])]
        return message(served, content: content, stop: .string(stopReason(served.record)), usage: usage(served.record))
    }

    /// message_start, content_block_start, ping, content_block_delta…, content_block_stop,
    /// message_delta (stop reason and usage), message_stop.
    static func stream(_ served: ServedGeneration) -> [String] {
        let record = served.record
        var frames = [
            TextChunks.event(
                "message_start",
                .object([
                    ("type", .string("message_start")),
                    ("message", message(served, content: [], stop: .null, usage: usage(record, outputTokens: 1))),
                ])),
            TextChunks.event(
                "content_block_start",
                .object([
                    ("type", .string("content_block_start")), ("index", .int(0)),
                    (
                        "content_block",
                        record.toolCall.map { toolUse(record, call: $0, input: .object([])) }
                            ?? .object([("type", .string("text")), ("text", .string(""))])
                    ),
                ])),
            TextChunks.event("ping", .object([("type", .string("ping"))])),
        ]
        if record.toolCall != nil {
            frames.append(
                TextChunks.event(
                    "content_block_delta",
                    .object([
                        ("type", .string("content_block_delta")), ("index", .int(0)),
                        ("delta", .object([("type", .string("input_json_delta")), ("partial_json", .string("{}"))])),
                    ])))
        }
        for piece in TextChunks.split(served.text) {
            frames.append(
                TextChunks.event(
                    "content_block_delta",
                    .object([
                        ("type", .string("content_block_delta")), ("index", .int(0)),
                        ("delta", .object([("type", .string("text_delta")), ("text", .string(piece))])),
                    ])))
        }
        frames.append(
            TextChunks.event(
                "content_block_stop", .object([("type", .string("content_block_stop")), ("index", .int(0))])))
        frames.append(
            TextChunks.event(
                "message_delta",
                .object([
                    ("type", .string("message_delta")),
                    ("delta", .object([("stop_reason", .string(stopReason(record))), ("stop_sequence", .null)])),
                    ("usage", usage(record)),
                ])))
        frames.append(TextChunks.event("message_stop", .object([("type", .string("message_stop"))])))
        return frames
    }
}
