import Foundation
import OpenRouterSim
import Testing

/// `[sim:call NAME]` makes the simulator answer with a call of an offered tool, in each wire format,
/// and a request ending with the tool's result is answered by quoting it (recorded as `tool_result`).
@Suite("Simulated tool calls")
struct ToolCallTests {
    @Test("Anthropic messages: tool_use of the offered mcp__opub__opub_budget, then the result is quoted")
    func messages() async throws {
        try await withSimulatorWorld { sim in
            let key = try await sim.createKey()
            let tools =
                #"[{"name":"Read","input_schema":{"type":"object"}},"#
                + #"{"name":"mcp__opub__opub_budget","input_schema":{"type":"object"}}]"#
            let call = try await sim.rawJSON(
                "POST", "/messages", key: key.secret,
                body: #"{"model":"anthropic/claude-sonnet-4.6","max_tokens":100,"tools":\#(tools),"#
                    + #""messages":[{"role":"user","content":"Check the budget. [sim:call opub_budget]"}]}"#)
            #expect(call.status == 200)
            let block = try #require((call.json["content"] as? [[String: Any]])?.first)
            #expect(block["type"] as? String == "tool_use")
            #expect(block["name"] as? String == "mcp__opub__opub_budget")
            #expect(call.json["stop_reason"] as? String == "tool_use")
            let id = try #require(block["id"] as? String)

            let answered = try await sim.rawJSON(
                "POST", "/messages", key: key.secret,
                body: #"{"model":"anthropic/claude-sonnet-4.6","max_tokens":100,"tools":\#(tools),"messages":["#
                    + #"{"role":"user","content":"Check the budget. [sim:call opub_budget]"},"#
                    + #"{"role":"assistant","content":[{"type":"tool_use","id":"\#(id)","name":"mcp__opub__opub_budget","input":{}}]},"#
                    + #"{"role":"user","content":[{"type":"tool_result","tool_use_id":"\#(id)","content":"{\"limit_usd\":\"5.00\"}"}]}]}"#
            )
            let text = try #require((answered.json["content"] as? [[String: Any]])?.first?["text"] as? String)
            #expect(text == #"The tool answered: {"limit_usd":"5.00"}"#)
            let generation = try await sim.rawJSON(
                "GET", "/generation?id=\(answered.json["id"] as? String ?? "")", key: key.secret)
            let data = try #require(generation.json["data"] as? [String: Any])
            #expect(data["tool_result"] as? String == #"{"limit_usd":"5.00"}"#)
        }
    }

    @Test("Responses: a function_call in the namespace the tool is offered in (as Codex offers MCP tools)")
    func responsesNamespace() async throws {
        try await withSimulatorWorld { sim in
            let key = try await sim.createKey()
            let answer = try await sim.rawJSON(
                "POST", "/responses", key: key.secret,
                body: #"{"model":"openai/gpt-5.3-codex","tools":[{"type":"namespace","name":"mcp__opub","#
                    + #""tools":[{"type":"function","name":"opub_budget","parameters":{}}]}],"#
                    + #""input":[{"role":"user","content":[{"type":"input_text","text":"[sim:call opub_budget]"}]}]}"#)
            #expect(answer.status == 200)
            let item = try #require((answer.json["output"] as? [[String: Any]])?.first)
            #expect(item["type"] as? String == "function_call")
            #expect(item["name"] as? String == "opub_budget")
            #expect(item["namespace"] as? String == "mcp__opub")
            #expect(item["arguments"] as? String == "{}")

            let back = try await sim.rawJSON(
                "POST", "/responses", key: key.secret,
                body: #"{"model":"openai/gpt-5.3-codex","input":[{"role":"user","content":"[sim:call opub_budget]"},"#
                    + #"{"type":"function_call","call_id":"c1","name":"opub_budget","namespace":"mcp__opub","arguments":"{}"},"#
                    + #"{"type":"function_call_output","call_id":"c1","output":"budget ok"}]}"#)
            #expect(back.json["output_text"] as? String == "The tool answered: budget ok")
        }
    }

    @Test("chat completions: tool_calls with finish reason tool_calls; no marker, no call")
    func chat() async throws {
        try await withSimulatorWorld { sim in
            let key = try await sim.createKey()
            let tools = #"[{"type":"function","function":{"name":"opub_opub_budget","parameters":{}}}]"#
            let answer = try await sim.rawJSON(
                "POST", "/chat/completions", key: key.secret,
                body: #"{"model":"mistralai/devstral-2512","tools":\#(tools),"#
                    + #""messages":[{"role":"user","content":"[sim:call opub_budget]"}]}"#)
            let choice = try #require((answer.json["choices"] as? [[String: Any]])?.first)
            #expect(choice["finish_reason"] as? String == "tool_calls")
            let message = try #require(choice["message"] as? [String: Any])
            let call = try #require((message["tool_calls"] as? [[String: Any]])?.first)
            #expect((call["function"] as? [String: Any])?["name"] as? String == "opub_opub_budget")

            let plain = try await sim.rawJSON(
                "POST", "/chat/completions", key: key.secret,
                body:
                    #"{"model":"mistralai/devstral-2512","tools":\#(tools),"messages":[{"role":"user","content":"hi"}]}"#
            )
            let plainChoice = try #require((plain.json["choices"] as? [[String: Any]])?.first)
            #expect(plainChoice["finish_reason"] as? String == "stop")
        }
    }
}
