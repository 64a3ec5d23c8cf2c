import OpenRouter
import OpubCore

/// One inference request the simulator served: what `GET /generation` reports.
struct GenerationRecord: Sendable, Codable {
    var id: String
    var keyHash: String
    var model: String
    var providerName: String
    /// `chat.completions`, `messages` or `responses`.
    var api: String
    var promptTokens: Int
    var completionTokens: Int
    var cost: NanoUSD
    var createdAt: Timestamp
    var streamed: Bool
    var finishReason: String
    /// The `HTTP-Referer` header.
    var referer: String?
    /// `X-OpenRouter-Title`, or the older `X-Title`.
    var title: String?
    /// `X-OpenRouter-Categories`.
    var categories: String? = nil
    /// The tool the answer called (``ToolCallPlan``), if it did.
    var toolCall: ToolCallPlan? = nil
    /// The start of the tool result the request ended with, if it did.
    var toolResult: String? = nil
    /// The names of the tools the request offered (names only, never their descriptions).
    var offeredTools: [String]? = nil
    /// The body's `user` (Anthropic: `metadata.user_id`).
    var user: String?
    /// The body's `session_id`.
    var bodySessionID: String?
    /// The `x-session-id` header.
    var headerSessionID: String?

    /// The body field wins over the header, as both name the same session.
    var sessionID: String? { bodySessionID ?? headerSessionID }

    func json() -> JSONValue {
        .object([
            ("id", .string(id)),
            ("total_cost", cost.json),
            ("created_at", .string(ProviderTimestamp.formatWithOffset(createdAt))),
            ("model", .string(model)),
            ("origin", .string(referer ?? "")),
            ("usage", cost.json),
            ("is_byok", .bool(false)),
            ("upstream_id", .string("sim-" + id.dropFirst(4))),
            ("cache_discount", .null),
            ("app_id", .null),
            ("streamed", .bool(streamed)),
            ("cancelled", .bool(false)),
            ("provider_name", .string(providerName)),
            ("latency", .int(0)),
            ("moderation_latency", .null),
            ("generation_time", .int(0)),
            ("finish_reason", .string(finishReason)),
            ("native_finish_reason", .string(finishReason)),
            ("tokens_prompt", .int(promptTokens)),
            ("tokens_completion", .int(completionTokens)),
            ("native_tokens_prompt", .int(promptTokens)),
            ("native_tokens_completion", .int(completionTokens)),
            ("native_tokens_reasoning", .int(0)),
            ("num_media_prompt", .null),
            ("num_search_results", .null),
            ("api_type", .string(api)),
            ("api_key_hash", .string(keyHash)),
            ("user", .optionalString(user)),
            ("session_id", .optionalString(sessionID)),
            ("http_referer", .optionalString(referer)),
            ("x_title", .optionalString(title)),
            ("x_openrouter_categories", .optionalString(categories)),
            ("tool_call", .optionalString(toolCall?.fullName)),
            ("tool_result", .optionalString(toolResult)),
            ("offered_tools", .array((offeredTools ?? []).map { .string($0) })),
            ("x_session_id", .optionalString(headerSessionID)),
        ])
    }
}
