import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import OpenRouterSim
import OpubCore
import OpubServer
import OpubStore
import OpubTestSupport
import Testing

/// OpenRouter Broadcast traces as the provider sends them: OTLP/HTTP JSON, a root span carrying the
/// key name, session and the request's content, and a `generation` span with cost and tokens.
enum BroadcastPayload {
    static let marker = "PROMPT-MARKER-7f3a"

    static func export(
        keyName: String, session: String? = nil, traceID: String = String(repeating: "ab", count: 16),
        cost: Double = 0.001234, at: Timestamp = Timestamp(microsSinceEpoch: 1_790_000_000_000_000)
    ) -> String {
        let nanos = String(at.microsSinceEpoch * 1_000)
        func attribute(_ key: String, string: String) -> String {
            #"{"key":"\#(key)","value":{"stringValue":\#(jsonString(string))}}"#
        }
        var root = [
            attribute("trace.metadata.openrouter.api_key_name", string: keyName),
            attribute("gen_ai.prompt", string: #"{"messages":[{"role":"user","content":"\#(marker) secret plan"}]}"#),
            attribute("gen_ai.completion", string: #"{"completion":"\#(marker) answer"}"#),
            attribute("user.id", string: "someone@example.com"),
        ]
        if let session { root.append(attribute("session.id", string: session)) }
        let generation = [
            attribute("gen_ai.response.model", string: "openai/gpt-5.4-mini"),
            attribute("gen_ai.provider.name", string: "OpenAI"),
            attribute("gen_ai.response.id", string: "gen-123"),
            #"{"key":"gen_ai.usage.input_tokens","value":{"intValue":"1200"}}"#,
            #"{"key":"gen_ai.usage.output_tokens","value":{"intValue":340}}"#,
            #"{"key":"gen_ai.usage.total_cost","value":{"doubleValue":\#(cost)}}"#,
            attribute("gen_ai.input.messages", string: marker),
        ]
        return """
            {"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"openrouter"}}]},
             "scopeSpans":[{"scope":{"name":"openrouter"},"spans":[
              {"traceId":"\(traceID)","spanId":"1111111111111111","name":"LLM Generation","kind":2,
               "startTimeUnixNano":"\(nanos)","endTimeUnixNano":"\(nanos)","attributes":[\(root.joined(separator: ","))]},
              {"traceId":"\(traceID)","spanId":"2222222222222222","parentSpanId":"1111111111111111","name":"generation",
               "kind":3,"startTimeUnixNano":"\(nanos)","endTimeUnixNano":"\(nanos)",
               "attributes":[\(generation.joined(separator: ","))]}]}]}]}
            """
    }

    static func jsonString(_ text: String) -> String {
        String(decoding: try! JSONEncoder().encode(text), as: UTF8.self)
    }
}

@Suite("Provider trace ingest", .serialized)
struct TraceIngestTests {
    static let token = "broadcast-token-0123456789abcdef"

    func post(
        _ app: AppWorld, body: String?, token: String? = token, contentType: String = "application/json",
        method: HTTPRequest.Method = .post, headers extra: HTTPFields = [:]
    ) async throws -> TestResponse {
        var headers = extra
        headers[.contentType] = contentType
        if let token { headers[.authorization] = "Bearer \(token)" }
        return try await app.client.execute(
            uri: "/ingest/openrouter/traces", method: method, headers: headers,
            body: body.map { ByteBuffer(string: $0) })
    }

    /// A sandbox app with a claimed project and one compute key row (the provider is not involved).
    func withKey<R: Sendable>(
        _ engine: TestEngine, extra: [String: String] = ["OPUB_BROADCAST_TOKEN": token],
        _ body: @Sendable (AppWorld, ComputeKeyRecord) async throws -> R
    ) async throws -> R {
        try await withTestStore(engine) { store, _ in
            try await withAppWorld(try await sandboxConfiguration(extra), store: store) { app in
                let key = try await TraceFixtures.key(in: store)
                return try await body(app, key)
            }
        }
    }

    @Test("a generation trace of an opub key is kept without any content, once", arguments: TestEngine.available)
    func keepsUsageOnce(engine: TestEngine) async throws {
        try await withKey(engine) { app, key in
            let body = BroadcastPayload.export(keyName: ProviderKeyName.of(key.id), session: "ls_not_a_session")
            let first = try await post(app, body: body)
            #expect(first.status == .ok, "\(first.text)")
            #expect(first.text == "{}")
            // A redelivery (the same trace and span ids), by POST or PUT, changes nothing.
            #expect(try await post(app, body: body).status == .ok)
            #expect(try await post(app, body: body, method: .put).status == .ok)
            #expect(try await count("trace_usage", app.store) == 1)

            let page = try await Browser.anonymous.get(app, "/api/v1/projects/acme/widgets/requests").json()
            let rows = try #require(page["items"] as? [[String: Any]])
            #expect(rows.count == 1)
            let row = try #require(rows.first)
            #expect(row["model"] as? String == "openai/gpt-5.4-mini")
            #expect(row["provider"] as? String == "OpenAI")
            #expect(row["prompt_tokens"] as? Int == 1200)
            #expect(row["completion_tokens"] as? Int == 340)
            #expect((row["cost"] as? [String: Any])?["micros"] as? Int == 1234)
            #expect(row["source"] as? String == "provider_traces")
            #expect(row["settled"] as? Bool == false)
            // A session id that is not one of the key's sessions is neither linked nor shown.
            #expect(row["linked"] as? Bool == false)
            #expect(row["session"] is NSNull)

            // Nothing of the content, nor the user, reached the database.
            let stored = try await app.store.engine.read { db in
                try await db.raw("SELECT * FROM trace_usage").all()
            }
            for column in [
                "trace_id", "span_id", "key_id", "project_id", "session_id", "generation_id", "model", "provider_name",
            ] {
                let value = try stored.first?.decode(column: column, as: String?.self) ?? ""
                #expect(!value.contains(BroadcastPayload.marker) && !value.contains("example.com"))
            }
            // Money did not move: only the reconciler posts spend.
            #expect(try await app.store.ledger.all(of: key.projectID).allSatisfy { $0.kind != .spend })
            let page2 = try await Browser.anonymous.get(app, "/github/acme/widgets")
            #expect(page2.text.contains("from provider traces"))
        }
    }

    @Test("a missing or wrong token stores nothing; ingest is off without a token", arguments: TestEngine.available)
    func authentication(engine: TestEngine) async throws {
        try await withKey(engine) { app, key in
            let body = BroadcastPayload.export(keyName: ProviderKeyName.of(key.id))
            for token in [nil, "wrong", Self.token + "x"] as [String?] {
                let answer = try await post(app, body: body, token: token)
                #expect(answer.status == .unauthorized)
                #expect(answer.text.contains("broadcast_token_invalid"))
            }
            var header = HTTPFields()
            header[HTTPField.Name("X-Opub-Broadcast-Token")!] = Self.token
            #expect(try await post(app, body: body, token: nil, headers: header).status == .ok)
            #expect(try await count("trace_usage", app.store) == 1)
        }
        // Production provider without OPUB_BROADCAST_TOKEN: the route says how to turn it on.
        try await withTestStore(.sqlite) { store, _ in
            let configuration = try await sandboxConfiguration([
                "OPUB_SANDBOX_PROVIDER": "false",
                "OPENROUTER_MANAGEMENT_KEY": "sk-or-v1-" + String(repeating: "0", count: 64),
                "OPENROUTER_BASE_URL": "http://127.0.0.1:9/api/v1", "OPUB_ALLOW_UNSAFE_MIX": "true",
                "OPUB_BASE_URL": "http://127.0.0.1:9", "OPUB_SANDBOX_GITHUB": "true", "OPUB_SANDBOX_PAYMENTS": "true",
            ])
            try await withAppWorld(configuration, store: store) { app in
                let answer = try await post(app, body: "{}", token: Self.token)
                #expect(answer.status == .notFound)
                #expect(answer.text.contains("OPUB_BROADCAST_TOKEN"))
            }
        }
    }

    @Test("the connection test, protobuf, malformed and oversized bodies get clear answers")
    func edges() async throws {
        try await withKey(.sqlite) { app, key in
            var test = HTTPFields()
            test[HTTPField.Name("X-Test-Connection")!] = "true"
            let probe = try await post(app, body: nil, headers: test)
            #expect(probe.status == .ok)
            #expect(probe.text == "{}")
            #expect(try await post(app, body: #"{"resourceSpans":[]}"#, headers: test).status == .ok)

            let protobuf = try await post(app, body: "\u{0A}\u{02}xx", contentType: "application/x-protobuf")
            #expect(protobuf.status == .unsupportedMediaType)
            #expect(protobuf.text.contains("OTLP/HTTP JSON"))

            let broken = try await post(app, body: #"{"resourceSpans":"#)
            #expect(broken.status == .badRequest)
            #expect(broken.text.contains("invalid_traces"))

            let huge = String(repeating: "x", count: 10 * 1024 * 1024)
            let tooLarge = try await post(app, body: #"{"resourceSpans":[],"pad":"\#(huge)"}"#)
            #expect(tooLarge.status == .contentTooLarge)
            #expect(tooLarge.text.contains("8 MiB"))

            // Other keys' traces are ignored; a malformed trace id is rejected in a partial success.
            #expect(try await post(app, body: BroadcastPayload.export(keyName: "my-own-key")).text == "{}")
            #expect(
                try await post(app, body: BroadcastPayload.export(keyName: "opub:ck_doesnotexist0000")).status == .ok)
            let bad = try await post(
                app, body: BroadcastPayload.export(keyName: ProviderKeyName.of(key.id), traceID: "not-hex"))
            #expect(bad.text.contains(#""rejectedSpans":"1""#))
            #expect(try await count("trace_usage", app.store) == 0)
        }
    }

    @Test("concurrent deliveries are all stored (group commit), duplicates once", arguments: TestEngine.available)
    func concurrentDeliveries(engine: TestEngine) async throws {
        try await withKey(engine) { app, key in
            let name = ProviderKeyName.of(key.id)
            try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for index in 0..<60 {
                    let trace = String(format: "%032x", index % 50 + 1)
                    group.addTask {
                        try await post(app, body: BroadcastPayload.export(keyName: name, traceID: trace)).status
                    }
                }
                for try await status in group { #expect(status == .ok) }
            }
            #expect(try await count("trace_usage", app.store) == 50)
        }
    }
}

enum TraceFixtures {
    /// A claimed project `acme/widgets` with $20 granted and one compute key row reserving $5 (no
    /// provider involved: ingest only needs the key to exist).
    static func key(in store: Store) async throws -> ComputeKeyRecord {
        let project = try await store.projects.create(try RepositoryName(parsing: "acme/widgets"))
        try await store.engine.write { db in
            try await db.raw("UPDATE projects SET claimed_at = 1 WHERE id = \(bind: project.id.rawValue)").run()
        }
        try await store.ledger.post(
            .grant(amount: Money(dollars: 20)), to: project.id, idempotencyKey: "grant:traces", memo: "seed")
        let id = KeyID.random()
        return try await store.withProjectLock(project.id) { write in
            try await write.insertProvisioningKey(
                id: id, KeyRequest(name: "laptop", limit: Money(dollars: 5)), createdBy: nil)
        }
    }
}

@Suite("Provider traces from the simulator's broadcast", .serialized)
struct BroadcastIngestTests {
    @Test(
        "every request's trace arrives within seconds, linked by session id; late and duplicated deliveries change nothing",
        arguments: TestEngine.available)
    func broadcastWithFaults(engine: TestEngine) async throws {
        try await withKeyWorld(engine, broadcast: BroadcastFaults(duplicateShare: 1, lateMillis: 200)) { world in
            let ada = try await world.maintainer("ada", of: "acme/widgets", dollars: 20)
            let made = try await world.createKey(ada, in: "acme/widgets")
            let session = SessionID.random()
            let registered = try await world.cli(
                "PUT", "/api/v1/cli/sessions/\(session.rawValue)",
                token: LinkToken.derive(secret: made.secret, keyID: made.id),
                json: #"{"key_id":"\#(made.id.rawValue)","surface":"claude","cli_version":"1.0.0","os":"linux"}"#)
            #expect(registered.status == 201, "\(registered.body)")
            let started = ContinuousClock.now
            for _ in 0..<3 { try await world.chat(secret: made.secret, session: session) }
            var rows: [[String: Any]] = []
            while rows.count < 3, ContinuousClock.now - started < .seconds(5) {
                let page = try await Browser.anonymous.get(world.app, "/api/v1/projects/acme/widgets/requests").json()
                rows = page["items"] as? [[String: Any]] ?? []
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(rows.count == 3)
            #expect(ContinuousClock.now - started < .seconds(2))
            #expect(rows.allSatisfy { $0["linked"] as? Bool == true && $0["session"] as? String == session.rawValue })
            // Every trace was delivered twice; the second copies stored nothing.
            let broadcaster = try #require(world.simulator.simulator.broadcaster)
            while await broadcaster.deliveredCount() < 6, ContinuousClock.now - started < .seconds(10) {
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(await broadcaster.deliveredCount() == 6)
            #expect(try await count("trace_usage", world.store) == 3)
        }
    }
}
