import Foundation
import OpenRouter
import OpenRouterSim
import OpubCore
import Testing

@Suite("Inference endpoints on the wire")
struct InferenceWireTests {
    @Test("costs follow the price table exactly and answers are deterministic per seed")
    func pricesAndDeterminism() async throws {
        let first = try await withSimulatorWorld(seed: 9) { sim in
            let key = try await sim.createKey()
            return try await sim.chat(key.secret, model: "qwen/qwen3-coder", prompt: "Write a test", maxTokens: 500)
        }
        let again = try await withSimulatorWorld(seed: 9) { sim in
            let key = try await sim.createKey()
            return try await sim.chat(key.secret, model: "qwen/qwen3-coder", prompt: "Write a test", maxTokens: 500)
        }
        #expect(first.content == again.content)
        #expect(first.usage == again.usage)
        // qwen3-coder: 200 n$ per prompt token, 800 n$ per completion token; micro-dollars rounded half up.
        let nanos = Int64(first.usage.promptTokens) * 200 + Int64(first.usage.completionTokens) * 800
        #expect(first.usage.cost == Money(micros: (nanos + 500) / 1000))
        #expect(first.usage.promptTokens == 4 + 3)
        #expect(first.usage.totalTokens == first.usage.promptTokens + first.usage.completionTokens)
    }

    @Test("max_tokens caps the answer with finish reason length")
    func maxTokensCap() async throws {
        try await withSimulatorWorld { sim in
            let key = try await sim.createKey()
            let answer = try await sim.chat(key.secret, prompt: "[sim:tokens=50]", maxTokens: 5)
            #expect(answer.usage.completionTokens == 5)
            #expect(answer.finishReason == "length")
        }
    }

    @Test("attribution headers, user and session ids are recorded and exposed by /generation")
    func attribution() async throws {
        try await withSimulatorWorld { sim in
            let key = try await sim.createKey()
            let headers = [
                "HTTP-Referer": "https://opub.dev/github/octo/repo", "X-OpenRouter-Title": "opub",
                "x-session-id": "ls_header",
            ]
            let answer = try await sim.rawJSON(
                "POST", "/chat/completions", key: key.secret, headers: headers,
                body: #"{"model":"openai/gpt-5.4-mini","user":"maint","messages":[{"role":"user","content":"hi"}]}"#)
            #expect(answer.status == 200)
            let id = try #require(answer.json["id"] as? String)
            let generation = try await sim.rawJSON("GET", "/generation?id=\(id)", key: key.secret)
            let data = try #require(generation.json["data"] as? [String: Any])
            #expect(data["session_id"] as? String == "ls_header")
            #expect(data["origin"] as? String == "https://opub.dev/github/octo/repo")
            #expect(data["x_title"] as? String == "opub")
            #expect(data["user"] as? String == "maint")
            #expect(data["model"] as? String == "openai/gpt-5.4-mini")
            #expect(data["provider_name"] as? String == "OpenAI")

            let withBody = try await sim.rawJSON(
                "POST", "/messages", key: key.secret, headers: ["X-Title": "legacy", "x-session-id": "ls_h"],
                body: #"{"model":"anthropic/claude-sonnet-4.6","max_tokens":50,"session_id":"ls_body","#
                    + #""messages":[{"role":"user","content":"hi"}]}"#)
            #expect(withBody.status == 200)
            let listed = try await sim.rawJSON(
                "GET", "/_sim/generations?key_hash=\(key.key.hash)", key: SimulatorWorld.managementKey)
            let records = try #require(listed.json["data"] as? [[String: Any]])
            #expect(records.count == 2)
            #expect(records[1]["session_id"] as? String == "ls_body")
            #expect(records[1]["x_session_id"] as? String == "ls_h")
            #expect(records[1]["x_title"] as? String == "legacy")

            let other = try await sim.createKey("other")
            #expect(try await sim.raw("GET", "/generation?id=\(id)", key: other.secret).status == 404)
        }
    }

    @Test("/messages answers in Anthropic's shape, errors included")
    func anthropicShape() async throws {
        try await withSimulatorWorld { sim in
            let key = try await sim.createKey(limit: Money(micros: 1))
            let body =
                #"{"model":"anthropic/claude-sonnet-4.6","max_tokens":64,"system":"Be brief","#
                + #""messages":[{"role":"user","content":[{"type":"text","text":"hi"}]}]}"#
            let refused = try await sim.rawJSON("POST", "/messages", key: key.secret, body: body)
            #expect(refused.status == 402)
            #expect(refused.json["type"] as? String == "error")
            #expect((refused.json["error"] as? [String: Any])?["type"] as? String == "billing_error")
            let noKey = try await sim.rawJSON("POST", "/messages", key: nil, body: body)
            #expect((noKey.json["error"] as? [String: Any])?["type"] as? String == "authentication_error")

            _ = try await sim.admin.updateKey(hash: key.key.hash, UpdateKeyRequest(limit: .remove))
            let answer = try await sim.raw(
                "POST", "/messages", key: nil, headers: ["x-api-key": key.secret], body: body)
            #expect(answer.status == 200)
            let json = try #require(try JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any])
            #expect(json["type"] as? String == "message")
            #expect(json["stop_reason"] as? String == "end_turn")
            let usage = try #require(json["usage"] as? [String: Any])
            // "Be brief" (8 bytes) and "hi" (2 bytes): 4 + 2 and 4 + 1 tokens.
            #expect(usage["input_tokens"] as? Int == 11)
            #expect(usage["cost"] != nil)
        }
    }

    @Test("streams: chat SSE with the processing comment, usage and [DONE]; Messages and Responses events")
    func streams() async throws {
        try await withSimulatorWorld { sim in
            let key = try await sim.createKey()
            let chat = try await sim.raw(
                "POST", "/chat/completions", key: key.secret,
                body: #"{"model":"openai/gpt-5.4-mini","stream":true,"messages":[{"role":"user","content":"hi"}]}"#)
            #expect(chat.headers["content-type"] == "text/event-stream")
            #expect(chat.body.hasPrefix(": OPENROUTER PROCESSING\n\n"))
            #expect(chat.body.hasSuffix("data: [DONE]\n\n"))
            #expect(chat.body.contains(#""usage":{"prompt_tokens":"#))
            #expect(chat.body.contains(#""cost":"#))

            let messages = try await sim.raw(
                "POST", "/messages", key: key.secret,
                body: #"{"model":"anthropic/claude-haiku-4.5","max_tokens":30,"stream":true,"#
                    + #""messages":[{"role":"user","content":"hi"}]}"#)
            let events = messages.body.split(separator: "\n").filter { $0.hasPrefix("event: ") }.map {
                String($0.dropFirst(7))
            }
            #expect(events.first == "message_start")
            #expect(events.contains("content_block_delta"))
            #expect(Array(events.suffix(3)) == ["content_block_stop", "message_delta", "message_stop"])

            let responses = try await sim.raw(
                "POST", "/responses", key: key.secret,
                body: #"{"model":"openai/gpt-5.4","input":"hi","stream":true}"#)
            #expect(responses.body.hasPrefix("event: response.created\n"))
            #expect(responses.body.contains("event: response.output_text.delta\n"))
            #expect(responses.body.contains("event: response.completed\n"))
        }
    }

    @Test("/models lists the price table with per-token USD strings")
    func models() async throws {
        try await withSimulatorWorld { sim in
            let answer = try await sim.rawJSON("GET", "/models", key: nil)
            let models = try #require(answer.json["data"] as? [[String: Any]])
            #expect(models.count == PriceTable.standard.models.count)
            let mini = try #require(models.first { $0["id"] as? String == "openai/gpt-5.4-mini" })
            let pricing = try #require(mini["pricing"] as? [String: Any])
            #expect(pricing["prompt"] as? String == "0.00000015")
            #expect(pricing["completion"] as? String == "0.0000006")
        }
    }
}
