import OpubSurfaces

/// OpenAI Responses as OpenRouter's `/responses` writes them; `usage` carries `cost` as well.
enum ResponsesFormat {
    static func usage(_ record: GenerationRecord) -> JSONValue {
        .object([
            ("input_tokens", .int(record.promptTokens)),
            ("input_tokens_details", .object([("cached_tokens", .int(0))])),
            ("output_tokens", .int(record.completionTokens)),
            ("output_tokens_details", .object([("reasoning_tokens", .int(0))])),
            ("total_tokens", .int(record.promptTokens + record.completionTokens)),
            ("cost", record.creditCost.json),
            ("is_byok", .bool(record.byok ?? false)),
            ("cost_details", record.costDetails),
        ])
    }

    static func messageID(_ record: GenerationRecord) -> String { "msg_" + record.id.dropFirst(4) }

    static func textPart(_ text: String) -> JSONValue {
        .object([("type", .string("output_text")), ("text", .string(text)), ("annotations", .array([]))])
    }

    /// The `function_call` output item of a tool call (``ToolCallPlan``), with its namespace when it has one.
    static func functionCallItem(
        _ record: GenerationRecord, call: ToolCallPlan, arguments: String, status: String
    )
        -> JSONValue
    {
        var members: [(String, JSONValue)] = [
            ("type", .string("function_call")),
            ("id", .string("fc_" + record.id.dropFirst(4))),
            ("call_id", .string("call_" + record.id.dropFirst(4))),
            ("name", .string(call.name)),
            ("arguments", .string(arguments)),
            ("status", .string(status)),
        ]
        if let namespace = call.namespace { members.append(("namespace", .string(namespace))) }
        return .object(members)
    }

    /// The answer's output item: the message, or the function call.
    static func outputItem(_ record: GenerationRecord, text: String?, status: String) -> JSONValue {
        if let call = record.toolCall {
            return functionCallItem(record, call: call, arguments: text == nil ? "" : "{}", status: status)
        }
        return messageItem(record, text: text, status: status)
    }

    static func messageItem(_ record: GenerationRecord, text: String?, status: String) -> JSONValue {
        .object([
            ("type", .string("message")),
            ("id", .string(messageID(record))),
            ("status", .string(status)),
            ("role", .string("assistant")),
            ("content", .array(text.map { [textPart($0)] } ?? [])),
        ])
    }

    static func response(_ served: ServedGeneration, finished: Bool, maxOutputTokens: Int?) -> JSONValue {
        let record = served.record
        let incomplete = finished && record.finishReason == "length"
        let status = finished ? (incomplete ? "incomplete" : "completed") : "in_progress"
        return .object([
            ("id", .string(record.id)),
            ("object", .string("response")),
            ("created_at", .int64(record.createdAt.microsSinceEpoch / 1_000_000)),
            ("completed_at", finished ? .int64(record.createdAt.microsSinceEpoch / 1_000_000) : .null),
            ("status", .string(status)),
            ("model", .string(record.model)),
            ("output", .array(finished ? [outputItem(record, text: served.text, status: "completed")] : [])),
            ("output_text", finished ? .string(served.text) : .null),
            ("usage", finished ? usage(record) : .null),
            ("error", .null),
            (
                "incomplete_details",
                incomplete ? .object([("reason", .string("max_output_tokens"))]) : .null
            ),
            ("instructions", .null),
            ("max_output_tokens", maxOutputTokens.map(JSONValue.int) ?? .null),
            ("parallel_tool_calls", .bool(true)),
            ("tool_choice", .string("auto")),
            ("tools", .array([])),
            ("temperature", .null),
            ("top_p", .null),
            ("frequency_penalty", .null),
            ("presence_penalty", .null),
            ("metadata", .object([])),
            ("text", .object([("format", .object([("type", .string("text"))]))])),
            ("truncation", .string("disabled")),
        ])
    }

    /// response.created, response.in_progress, output_item.added, content_part.added,
    /// output_text.delta…, output_text.done, content_part.done, output_item.done, response.completed.
    static func stream(_ served: ServedGeneration, maxOutputTokens: Int?) -> [String] {
        let record = served.record
        let itemID = JSONValue.string(messageID(record))
        var sequence = 0
        var frames: [String] = []
        func emit(_ type: String, _ members: [(String, JSONValue)]) {
            frames.append(
                TextChunks.event(
                    type, .object([("type", .string(type)), ("sequence_number", .int(sequence))] + members)))
            sequence += 1
        }
        let pending = response(served, finished: false, maxOutputTokens: maxOutputTokens)
        emit("response.created", [("response", pending)])
        emit("response.in_progress", [("response", pending)])
        emit(
            "response.output_item.added",
            [("output_index", .int(0)), ("item", outputItem(record, text: nil, status: "in_progress"))])
        if let call = record.toolCall {
            let itemID = JSONValue.string("fc_" + record.id.dropFirst(4))
            emit(
                "response.function_call_arguments.delta",
                [("item_id", itemID), ("output_index", .int(0)), ("delta", .string("{}"))])
            emit(
                "response.function_call_arguments.done",
                [("item_id", itemID), ("output_index", .int(0)), ("arguments", .string("{}"))])
            emit(
                "response.output_item.done",
                [
                    ("output_index", .int(0)),
                    ("item", functionCallItem(record, call: call, arguments: "{}", status: "completed")),
                ])
            emit(
                "response.completed", [("response", response(served, finished: true, maxOutputTokens: maxOutputTokens))]
            )
            return frames
        }
        let position: [(String, JSONValue)] = [
            ("item_id", itemID), ("output_index", .int(0)), ("content_index", .int(0)),
        ]
        emit("response.content_part.added", position + [("part", textPart(""))])
        for piece in TextChunks.split(served.text) {
            emit("response.output_text.delta", position + [("delta", .string(piece)), ("logprobs", .array([]))])
        }
        emit("response.output_text.done", position + [("text", .string(served.text)), ("logprobs", .array([]))])
        emit("response.content_part.done", position + [("part", textPart(served.text))])
        emit(
            "response.output_item.done",
            [("output_index", .int(0)), ("item", messageItem(record, text: served.text, status: "completed"))])
        let final = response(served, finished: true, maxOutputTokens: maxOutputTokens)
        emit(record.finishReason == "length" ? "response.incomplete" : "response.completed", [("response", final)])
        return frames
    }
}
