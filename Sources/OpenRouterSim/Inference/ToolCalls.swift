import OpubSurfaces

/// How the simulator answers with a tool call, deterministically, so that agents can be driven through
/// a tool round trip (an MCP tool of opub's, say) without a real model:
///
/// - a request whose **last message is the user's** and contains `[sim:call NAME]` is answered with one
///   call of the tool NAME, with `{}` as arguments. NAME is matched against the tools the request
///   offers: a tool whose full name (`namespace__name` for a Responses namespace tool) equals NAME or
///   ends with it after a separator (`_`, `.`, `-`) — so `[sim:call opub_budget]` finds Claude Code's
///   `mcp__opub__opub_budget`, Codex's `opub_budget` in the namespace `mcp__opub`, and Vibe's
///   `opub_opub_budget`. When no offered tool matches (Claude Code can defer MCP tools behind a
///   search tool), NAME is called as written.
/// - a request whose **last message is a tool result** is answered with text that quotes the start of
///   that result (`The tool answered: …`); the generation record keeps that start (`tool_result`), so
///   a test can prove the agent ran the tool and sent its output back.
struct ToolCallPlan: Sendable, Equatable, Codable {
    /// The name to send (`mcp__opub__opub_budget`, or `opub_budget` inside `namespace`).
    var name: String
    /// A Responses namespace (`mcp__opub`), when the offered tool lives in one.
    var namespace: String?

    /// The name as one string, for records: `namespace__name` or `name`.
    var fullName: String { namespace.map { "\($0)__\(name)" } ?? name }

    static let marker = "[sim:call "

    /// The tool NAME asked for by `[sim:call NAME]` in `text`, if any.
    static func requestedName(in text: String) -> String? {
        guard let range = text.range(of: marker) else { return nil }
        let name = text[range.upperBound...].prefix { $0 != "]" }
        guard !name.isEmpty, text[range.upperBound...].dropFirst(name.count).first == "]",
            name.allSatisfy({ $0.isLetter || $0.isNumber || "_-.".contains($0) })
        else { return nil }
        return String(name)
    }

    /// The call for `requested` among `offered` tools (`(namespace, name)` pairs).
    static func resolve(_ requested: String, offered: [(namespace: String?, name: String)]) -> ToolCallPlan {
        func matches(_ full: String) -> Bool {
            guard full.hasSuffix(requested) else { return false }
            if full.count == requested.count { return true }
            let before = full[full.index(full.endIndex, offsetBy: -requested.count - 1)]
            return "_.-".contains(before)
        }
        for tool in offered {
            let full = tool.namespace.map { "\($0)__\(tool.name)" } ?? tool.name
            if matches(full) { return ToolCallPlan(name: tool.name, namespace: tool.namespace) }
        }
        return ToolCallPlan(name: requested, namespace: nil)
    }

    /// The tools a request offers, in each wire format: Anthropic `tools[].name`, chat
    /// `tools[].function.name`, Responses `tools[].name` and namespace tools' `tools[].name`.
    static func offeredTools(_ body: JSONValue) -> [(namespace: String?, name: String)] {
        var tools: [(namespace: String?, name: String)] = []
        for tool in body["tools"]?.arrayValue ?? [] {
            if tool["type"]?.stringValue == "namespace", let namespace = tool["name"]?.stringValue {
                for inner in tool["tools"]?.arrayValue ?? [] {
                    if let name = inner["name"]?.stringValue { tools.append((namespace, name)) }
                }
            } else if let name = tool["function"]?["name"]?.stringValue ?? tool["name"]?.stringValue {
                tools.append((nil, name))
            }
        }
        return tools
    }

    /// The text of a tool result when it is the request's last message: chat `role: tool`, Anthropic
    /// `tool_result` blocks in the last user message, Responses `function_call_output` as the last item.
    static func trailingToolResult(_ messages: [JSONValue]) -> String? {
        guard let last = messages.last else { return nil }
        if last["role"]?.stringValue == "tool" { return InferenceRequest.text(of: last["content"]) }
        if last["type"]?.stringValue == "function_call_output" {
            return last["output"]?.stringValue ?? InferenceRequest.text(of: last["output"])
        }
        if last["role"]?.stringValue == "user", let blocks = last["content"]?.arrayValue {
            let results = blocks.filter { $0["type"]?.stringValue == "tool_result" }
            if !results.isEmpty {
                return results.map { InferenceRequest.text(of: $0["content"]) }.joined(separator: "\n")
            }
        }
        return nil
    }

    /// The last user text of a request, when its last message is the user's (not a tool result).
    static func trailingUserText(_ messages: [JSONValue]) -> String? {
        guard let last = messages.last, trailingToolResult(messages) == nil else { return nil }
        if let text = last.stringValue { return text }
        guard last["role"]?.stringValue == "user" else { return nil }
        return InferenceRequest.text(of: last["content"])
    }
}
