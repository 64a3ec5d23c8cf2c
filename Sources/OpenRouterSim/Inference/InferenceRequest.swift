import OpubSurfaces

/// An inference request in any of the three wire formats, reduced to what pricing and the engine need.
struct InferenceRequest: Sendable {
    enum API: String, Sendable {
        case chatCompletions = "chat.completions"
        case messages
        case responses
    }

    var api: API
    var model: String
    /// Every message's text, in order (the system prompt first).
    var messageTexts: [String]
    var maxTokens: Int?
    var stream: Bool
    var user: String?
    var sessionID: String?
    /// Providers the request allows (`provider.only`, else `provider.order` when fallbacks are off).
    var allowedProviders: [String]?
    /// The tool to call instead of answering with text (see ``ToolCallPlan``).
    var toolCall: ToolCallPlan? = nil
    /// The start of the tool result the request ends with, if it does.
    var toolResult: String? = nil
    /// The names of the tools the request offers (`namespace__name` for namespaced ones).
    var offeredTools: [String] = []

    /// Reads the tool round trip of ``ToolCallPlan`` from the request's messages (or input items).
    mutating func readTools(_ body: JSONValue, messages: [JSONValue]) {
        offeredTools = ToolCallPlan.offeredTools(body).map { tool in
            tool.namespace.map { "\($0)__\(tool.name)" } ?? tool.name
        }
        if let result = ToolCallPlan.trailingToolResult(messages) {
            toolResult = String(result.prefix(500))
        } else if let text = ToolCallPlan.trailingUserText(messages), let name = ToolCallPlan.requestedName(in: text) {
            toolCall = ToolCallPlan.resolve(name, offered: ToolCallPlan.offeredTools(body))
        }
    }

    var promptText: String { messageTexts.joined(separator: "\n") }
    var promptTokens: Int { CompletionEngine.promptTokens(messages: messageTexts) }

    /// Reads `/chat/completions`: `messages[].content` as text or text parts.
    static func chat(_ body: JSONValue) throws(SimFailure) -> InferenceRequest {
        let model = try requireModel(body)
        guard let messages = body["messages"]?.arrayValue, !messages.isEmpty else {
            throw .badRequest("messages: a non-empty array of messages is required")
        }
        let texts = messages.map { text(of: $0["content"]) }
        let maxTokens = try positiveInt(body, "max_tokens")
        let maxCompletionTokens = try positiveInt(body, "max_completion_tokens")
        var request = InferenceRequest(
            api: .chatCompletions, model: model, messageTexts: texts, maxTokens: maxTokens ?? maxCompletionTokens,
            stream: body["stream"]?.boolValue ?? false, user: body["user"]?.stringValue,
            sessionID: body["session_id"]?.stringValue, allowedProviders: providers(body["provider"]))
        request.readTools(body, messages: messages)
        return request
    }

    /// Reads `/messages` (Anthropic): `system` and `messages[].content` as text or content blocks.
    static func messages(_ body: JSONValue) throws(SimFailure) -> InferenceRequest {
        let model = try requireModel(body)
        guard let messages = body["messages"]?.arrayValue, !messages.isEmpty else {
            throw .badRequest("messages: Field required")
        }
        var texts: [String] = []
        if let system = body["system"], !system.isNull { texts.append(text(of: system)) }
        texts += messages.map { text(of: $0["content"]) }
        var request = InferenceRequest(
            api: .messages, model: model, messageTexts: texts, maxTokens: try positiveInt(body, "max_tokens"),
            stream: body["stream"]?.boolValue ?? false,
            user: body["metadata"]?["user_id"]?.stringValue ?? body["user"]?.stringValue,
            sessionID: body["session_id"]?.stringValue, allowedProviders: providers(body["provider"]))
        request.readTools(body, messages: messages)
        return request
    }

    /// Reads `/responses` (OpenAI Responses): `instructions` and `input` as text or input items.
    static func responses(_ body: JSONValue) throws(SimFailure) -> InferenceRequest {
        let model = try requireModel(body)
        var texts: [String] = []
        if let instructions = body["instructions"]?.stringValue { texts.append(instructions) }
        let items: [JSONValue]
        switch body["input"] {
        case .string(let text)?:
            texts.append(text)
            items = [.string(text)]
        case .array(let array)?:
            texts += array.map {
                $0["content"].map { text(of: $0) } ?? $0["output"].map { text(of: $0) } ?? text(of: $0)
            }
            items = array
        default: throw .badRequest("input: a string or an array of input items is required")
        }
        // `safety_identifier` is the Responses API's end-user id; `user` is its older name.
        var request = InferenceRequest(
            api: .responses, model: model, messageTexts: texts, maxTokens: try positiveInt(body, "max_output_tokens"),
            stream: body["stream"]?.boolValue ?? false,
            user: body["safety_identifier"]?.stringValue ?? body["user"]?.stringValue,
            sessionID: body["session_id"]?.stringValue, allowedProviders: providers(body["provider"]))
        request.readTools(body, messages: items)
        return request
    }

    private static func requireModel(_ body: JSONValue) throws(SimFailure) -> String {
        guard body.isObject else { throw .badRequest("The request body must be a JSON object") }
        guard let model = body["model"]?.stringValue, !model.isEmpty else {
            throw .badRequest("model: a model slug is required, e.g. openai/gpt-5.4-mini")
        }
        return model
    }

    private static func positiveInt(_ body: JSONValue, _ name: String) throws(SimFailure) -> Int? {
        guard let value = body[name], !value.isNull else { return nil }
        guard let number = value.intValue, number >= 1 else {
            throw .badRequest("\(name) must be a positive integer")
        }
        return number
    }

    /// The text of a content value: a string, or the `text` of each part or block.
    static func text(of content: JSONValue?) -> String {
        switch content {
        case .string(let text)?: return text
        case .array(let parts)?:
            return parts.compactMap { part in
                part.stringValue ?? part["text"]?.stringValue ?? part["content"].map { text(of: $0) }
            }.joined(separator: "\n")
        case .object?: return content?["text"]?.stringValue ?? ""
        default: return ""
        }
    }

    private static func providers(_ preferences: JSONValue?) -> [String]? {
        guard let preferences, preferences.isObject else { return nil }
        if let only = preferences["only"]?.arrayValue?.compactMap(\.stringValue), !only.isEmpty { return only }
        if preferences["allow_fallbacks"]?.boolValue == false,
            let order = preferences["order"]?.arrayValue?.compactMap(\.stringValue), !order.isEmpty
        {
            return order
        }
        return nil
    }
}
