import Foundation
import Hummingbird
import Logging
import NIOCore
import OpenRouter
import OpenRouterSim
import OpubCore
import Synchronization
import Testing

@Suite("Broadcast: OTLP traces posted to a webhook")
struct BroadcastTests {
    static let chatBody = #"{"model":"openai/gpt-5.4-mini","messages":[{"role":"user","content":"Hello"}]}"#

    @Test("a served generation is posted once as an OTLP trace with the key name, session, usage and cost")
    func oneTrace() async throws {
        try await withTraceReceiver { url, inbox in
            let settings = BroadcastSettings(url: url, headers: [("Authorization", "Bearer t")])
            try await withBroadcastingSimulatorWorld(settings) { sim in
                let key = try await sim.createKey("opub:ck_broadcast")
                let answer = try await sim.rawJSON(
                    "POST", "/chat/completions", key: key.secret, headers: ["x-session-id": "ls_test"],
                    body: Self.chatBody)
                #expect(answer.status == 200)
                let generationID = try #require(answer.json["id"] as? String)
                let usage = try #require(answer.json["usage"] as? [String: Any])

                let received = await inbox.wait(for: 1)
                try #require(received.count == 1)
                let delivery = received[0]
                #expect(delivery.method == "POST")
                #expect(delivery.authorization == "Bearer t")
                #expect(delivery.contentType == "application/json")

                let spans = try otlpSpans(delivery.body)
                try #require(spans.count == 2)
                let (root, generation) = (spans[0], spans[1])
                #expect(root["name"] as? String == "LLM Generation")
                #expect(root["kind"] as? Int == 2)
                #expect(generation["name"] as? String == "generation")
                #expect(generation["kind"] as? Int == 3)
                let traceID = try #require(root["traceId"] as? String)
                #expect(traceID.count == 32 && traceID.allSatisfy { "0123456789abcdef".contains($0) })
                #expect(generation["traceId"] as? String == traceID)
                let rootSpanID = try #require(root["spanId"] as? String)
                #expect(rootSpanID.count == 16)
                #expect((generation["spanId"] as? String)?.count == 16)
                #expect(generation["parentSpanId"] as? String == rootSpanID)
                let startNanos = SimulatorWorld.start.microsSinceEpoch * 1000
                #expect(root["startTimeUnixNano"] as? String == String(startNanos))

                let rootAttributes = otlpAttributes(root)
                let rootText = { (key: String) in rootAttributes[key]?["stringValue"] as? String }
                #expect(rootText("trace.metadata.openrouter.api_key_name") == "opub:ck_broadcast")
                #expect(rootText("session.id") == "ls_test")
                #expect(rootText("gen_ai.request.model") == "openai/gpt-5.4-mini")
                #expect(rootText("gen_ai.prompt") == #"{"messages":[{"role":"user","content":"Hello"}]}"#)
                let completion = try #require(rootText("gen_ai.completion"))
                #expect(completion.hasPrefix(#"{"completion":"#))

                let attributes = otlpAttributes(generation)
                let text = { (key: String) in attributes[key]?["stringValue"] as? String }
                #expect(text("gen_ai.response.id") == generationID)
                #expect(text("gen_ai.request.model") == "openai/gpt-5.4-mini")
                #expect(text("gen_ai.response.model") == "openai/gpt-5.4-mini")
                #expect(text("gen_ai.provider.name") == "OpenAI")
                #expect(text("gen_ai.operation.name") == "chat")
                #expect(text("session.id") == "ls_test")
                #expect(text("trace.metadata.openrouter.api_key_name") == "opub:ck_broadcast")
                #expect(text("trace.metadata.openrouter.provider_name") == "OpenAI")
                let promptTokens = try #require(usage["prompt_tokens"] as? Int)
                let completionTokens = try #require(usage["completion_tokens"] as? Int)
                let integer = { (key: String) in attributes[key]?["intValue"] as? String }
                #expect(integer("gen_ai.usage.input_tokens") == String(promptTokens))
                #expect(integer("gen_ai.usage.output_tokens") == String(completionTokens))
                #expect(integer("gen_ai.usage.total_tokens") == String(promptTokens + completionTokens))
                let totalCost = try #require(attributes["gen_ai.usage.total_cost"]?["doubleValue"] as? Double)
                #expect(totalCost > 0)
                let inputCost = try #require(attributes["gen_ai.usage.input_cost"]?["doubleValue"] as? Double)
                let outputCost = try #require(attributes["gen_ai.usage.output_cost"]?["doubleValue"] as? Double)
                #expect(abs(inputCost + outputCost - totalCost) < 1e-12)
                #expect(text("gen_ai.prompt") == rootText("gen_ai.prompt"))
                #expect(text("gen_ai.completion") == completion)

                let broadcaster = try #require(sim.running.simulator.broadcaster)
                let counted = await eventually { await broadcaster.deliveredCount() == 1 }
                #expect(counted)
                #expect(await broadcaster.failedCount() == 0)
                #expect(await broadcaster.droppedCount() == 0)
            }
        }
    }

    @Test("the duplicate fault delivers the same body twice; the drop fault delivers nothing")
    func duplicateAndDrop() async throws {
        try await withTraceReceiver { url, inbox in
            let settings = BroadcastSettings(url: url, faults: BroadcastFaults(duplicateShare: 1))
            try await withBroadcastingSimulatorWorld(settings) { sim in
                let key = try await sim.createKey("opub:ck_twice")
                let answer = try await sim.raw("POST", "/chat/completions", key: key.secret, body: Self.chatBody)
                #expect(answer.status == 200)
                let received = await inbox.wait(for: 2)
                try #require(received.count == 2)
                #expect(received[0].body == received[1].body)
                #expect(received[0].body.contains(#""traceId""#))
                let broadcaster = try #require(sim.running.simulator.broadcaster)
                let counted = await eventually { await broadcaster.deliveredCount() == 2 }
                #expect(counted)
                #expect(await broadcaster.droppedCount() == 0)
            }
        }
        try await withTraceReceiver { url, inbox in
            let settings = BroadcastSettings(url: url, faults: BroadcastFaults(dropShare: 1))
            try await withBroadcastingSimulatorWorld(settings) { sim in
                let key = try await sim.createKey("opub:ck_never")
                let answer = try await sim.raw("POST", "/chat/completions", key: key.secret, body: Self.chatBody)
                #expect(answer.status == 200)
                try await Task.sleep(for: .seconds(1))
                #expect(inbox.all.isEmpty)
                let broadcaster = try #require(sim.running.simulator.broadcaster)
                #expect(await broadcaster.droppedCount() == 1)
                #expect(await broadcaster.deliveredCount() == 0)
            }
        }
    }

    @Test("--broadcast-fault and --broadcast-header flags parse, and bad ones say why")
    func flags() throws {
        let faults = try BroadcastFaults(flag: "drop=0.1, duplicate=0.2,late_ms=1500")
        #expect(faults == BroadcastFaults(dropShare: 0.1, duplicateShare: 0.2, lateMillis: 1500))
        #expect(try BroadcastFaults(flag: "late_ms=5") == BroadcastFaults(lateMillis: 5))
        #expect(throws: BroadcastFlagError.self) { try BroadcastFaults(flag: "drop=2") }
        #expect(throws: BroadcastFlagError.self) { try BroadcastFaults(flag: "loss=0.1") }
        #expect(throws: BroadcastFlagError.self) { try BroadcastFaults(flag: "late_ms=soon") }
        let header = try BroadcastSettings.header(flag: "Authorization: Bearer t")
        #expect(header.name == "Authorization" && header.value == "Bearer t")
        #expect(throws: BroadcastFlagError.self) { try BroadcastSettings.header(flag: "Authorization Bearer t") }
        let decoded = try JSONDecoder().decode(BroadcastFaults.self, from: Data(#"{"duplicate_share":0.5}"#.utf8))
        #expect(decoded == BroadcastFaults(duplicateShare: 0.5))
    }
}

/// One request the receiver got.
struct ReceivedTrace: Sendable {
    var method: String
    var authorization: String?
    var contentType: String?
    var body: String
}

/// What a test receiver recorded, in arrival order.
final class TraceInbox: Sendable {
    private let received = Mutex<[ReceivedTrace]>([])

    var all: [ReceivedTrace] { received.withLock { $0 } }

    func add(_ trace: ReceivedTrace) { received.withLock { $0.append(trace) } }

    /// What arrived once `count` requests did, or after `seconds`, whichever comes first.
    func wait(for count: Int, seconds: Int = 20) async -> [ReceivedTrace] {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while all.count < count, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        return all
    }
}

/// A broadcast receiver on a loopback port recording every `POST /traces`, while `body` runs with its URL.
func withTraceReceiver<Result: Sendable>(
    _ body: (_ url: String, _ inbox: TraceInbox) async throws -> Result
) async throws -> Result {
    let inbox = TraceInbox()
    let router = Router()
    router.post("traces") { request, _ -> Response in
        let bytes = try await request.body.collect(upTo: 1 << 20)
        inbox.add(
            ReceivedTrace(
                method: request.method.rawValue, authorization: request.headers[.authorization],
                contentType: request.headers[.contentType], body: String(buffer: bytes)))
        return Response(status: .ok)
    }
    let (ports, sink) = AsyncStream<Int>.makeStream()
    var logger = Logger(label: "broadcast-receiver")
    logger.logLevel = .critical  // cancelling the app below logs an expected CancellationError
    let app = Application(
        router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
        onServerRunning: { channel in
            sink.yield(channel.localAddress?.port ?? 0)
            sink.finish()
        }, logger: logger)
    return try await withThrowingTaskGroup(of: Void.self, returning: Result.self) { group in
        group.addTask { try await app.run() }
        var iterator = ports.makeAsyncIterator()
        let port = try #require(await iterator.next())
        let result = try await body("http://127.0.0.1:\(port)/traces", inbox)
        group.cancelAll()
        return result
    }
}

/// A simulator (manual clock at ``SimulatorWorld/start``) that broadcasts with `settings`.
func withBroadcastingSimulatorWorld<Result: Sendable>(
    _ settings: BroadcastSettings, _ body: (SimulatorWorld) async throws -> Result
) async throws -> Result {
    let clock = ManualTimeSource(SimulatorWorld.start)
    let configuration = SimulatorConfiguration(
        managementKeys: [SimulatorWorld.managementKey], seed: 42, timeSource: clock, broadcast: settings)
    return try await OpenRouterSimulator.withRunningServer(configuration: configuration) { running in
        try await body(SimulatorWorld(running: running, clock: clock))
    }
}

/// The spans of an OTLP JSON trace (the first resource's first scope).
func otlpSpans(_ body: String) throws -> [[String: Any]] {
    let document = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
    let resources = try #require(document["resourceSpans"] as? [[String: Any]])
    let resource = try #require(resources.first?["resource"] as? [String: Any])
    let resourceAttributes = otlpAttributes(resource)
    #expect(resourceAttributes["service.name"]?["stringValue"] as? String == "openrouter")
    let scopes = try #require(resources.first?["scopeSpans"] as? [[String: Any]])
    #expect((scopes.first?["scope"] as? [String: Any])?["name"] as? String == "openrouter")
    return try #require(scopes.first?["spans"] as? [[String: Any]])
}

/// An OTLP attribute list as key → value object (`{"stringValue": …}`, `{"intValue": "…"}`, …).
func otlpAttributes(_ owner: [String: Any]) -> [String: [String: Any]] {
    var attributes: [String: [String: Any]] = [:]
    for attribute in owner["attributes"] as? [[String: Any]] ?? [] {
        if let key = attribute["key"] as? String, let value = attribute["value"] as? [String: Any] {
            attributes[key] = value
        }
    }
    return attributes
}

/// True once `condition` holds, polling for up to `seconds`.
func eventually(seconds: Int = 5, _ condition: () async -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + .seconds(seconds)
    while ContinuousClock.now < deadline {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return await condition()
}
