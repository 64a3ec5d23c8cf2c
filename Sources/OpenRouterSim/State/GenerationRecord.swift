import OpenRouter
import OpubCore
import OpubSurfaces

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
    /// The `User-Agent` header.
    var userAgent: String? = nil
    /// Served through the account's own provider key: `cost` went to the key's BYOK usage.
    var byok: Bool? = nil
    /// The workspace of the key; nil means the default workspace.
    var workspaceID: String? = nil
    /// Which of the model's two endpoints served it.
    var endpoint: Int? = nil
    /// The prompt's part of `cost` (the rest is the completion's).
    var promptCost: NanoUSD? = nil

    /// `usage.cost_details`: the upstream provider's price of the prompt and completion; their sum is
    /// `upstream_inference_cost`, reported for BYOK requests (what the account's own key paid).
    var costDetails: JSONValue {
        let prompt = promptCost ?? .zero
        return .object([
            ("upstream_inference_cost", byok == true ? cost.json : .null),
            ("upstream_inference_prompt_cost", prompt.json),
            ("upstream_inference_completions_cost", (cost - prompt).json),
        ])
    }

    /// The body field wins over the header, as both name the same session.
    var sessionID: String? { bodySessionID ?? headerSessionID }

    /// What OpenRouter charged in credits: nothing for a BYOK request (the simulator charges no BYOK fee).
    var creditCost: NanoUSD { byok == true ? .zero : cost }

    /// The generation object: every field OpenRouter's reference requires, then the simulator's own
    /// records of what the request carried (`api_key_hash` onwards), which tests read.
    func json(defaultWorkspaceID: String) -> JSONValue {
        .object([
            ("id", .string(id)),
            ("total_cost", creditCost.json),
            ("usage", creditCost.json),
            ("upstream_inference_cost", cost.json),
            ("is_byok", .bool(byok ?? false)),
            ("created_at", .string(ProviderTimestamp.formatWithOffset(createdAt))),
            ("model", .string(model)),
            ("origin", .string(referer ?? "")),
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
            ("native_tokens_cached", .int(0)),
            ("native_tokens_completion_images", .null),
            ("num_media_prompt", .null),
            ("num_media_completion", .null),
            ("num_input_audio_prompt", .null),
            ("num_search_results", .null),
            ("num_fetches", .null),
            ("api_type", .string("completions")),
            ("data_region", .string("global")),
            ("external_user", .null),
            ("preset_id", .null),
            (
                "provider_responses",
                .array([.object([("status", .int(200)), ("provider_name", .string(providerName))])])
            ),
            ("router", .null),
            ("service_tier", .null),
            ("web_search_engine", .null),
            ("user_agent", .optionalString(userAgent)),
            ("workspace_id", .string(workspaceID ?? defaultWorkspaceID)),
            ("http_referer", .optionalString(referer)),
            ("session_id", .optionalString(sessionID)),
            ("api_key_hash", .string(keyHash)),
            ("sim_wire_api", .string(api)),
            ("user", .optionalString(user)),
            ("x_title", .optionalString(title)),
            ("x_openrouter_categories", .optionalString(categories)),
            ("tool_call", .optionalString(toolCall?.fullName)),
            ("tool_result", .optionalString(toolResult)),
            ("offered_tools", .array((offeredTools ?? []).map { .string($0) })),
            ("x_session_id", .optionalString(headerSessionID)),
        ])
    }
}
