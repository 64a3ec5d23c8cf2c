import AsyncHTTPClient
import Foundation
import NIOCore
import OpenRouter
import OpenRouterSim
import OpubCore
import Synchronization

/// Records the waits the client asks for instead of sleeping.
final class RecordingSleeper: RetrySleeper {
    private let recorded = Mutex<[Duration]>([])

    var delays: [Duration] { recorded.withLock { $0 } }

    func sleep(for duration: Duration) async throws {
        recorded.withLock { $0.append(duration) }
    }
}

/// A simulator on a loopback port, a manual clock, and clients pointed at it.
struct SimulatorWorld: Sendable {
    let running: RunningSimulator
    let clock: ManualTimeSource
    let sleeper = RecordingSleeper()

    /// Wednesday 2026-03-04 12:00:00 UTC.
    static let start = Timestamp(
        microsSinceEpoch: CivilDate(year: 2026, month: 3, day: 4).daysSinceEpoch * 86_400_000_000
            + 12 * 3_600_000_000)
    static let managementKey = "sk-or-v1-" + String(repeating: "ab", count: 32)

    var baseURL: String { running.baseURL }
    var state: SimulatorState { running.state }

    func client(
        _ key: String, retry: RetryPolicy = RetryPolicy(maxAttempts: 4), timeout: Duration = .seconds(10),
        baseURL: String? = nil
    ) -> OpenRouterClient {
        OpenRouterClient(
            apiKey: key,
            configuration: .init(baseURL: baseURL ?? running.baseURL, timeout: timeout, retryPolicy: retry),
            sleeper: sleeper, jitter: { 0.5 })
    }

    var admin: OpenRouterClient { client(Self.managementKey) }

    func createKey(
        _ name: String = "test", limit: Money? = nil, reset: KeyLimitReset? = nil, expiresAt: Timestamp? = nil
    ) async throws -> CreatedKey {
        try await admin.createKey(CreateKeyRequest(name: name, limit: limit, limitReset: reset, expiresAt: expiresAt))
    }

    func chat(
        _ secret: String, model: String = "openai/gpt-5.4-mini", prompt: String = "Hello", maxTokens: Int? = 100
    ) async throws -> ChatCompletion {
        try await client(secret, retry: .never).chatCompletion(
            ChatCompletionRequest(
                model: model, messages: [.init(role: "user", content: prompt)], maxTokens: maxTokens))
    }

    func faults(_ rules: FaultRule..., overshoot: Bool = false, usageLagSeconds: Int = 0) async {
        await state.setFaults(FaultSettings(rules: rules, overshoot: overshoot, usageLagSeconds: usageLagSeconds))
    }

    /// Any HTTP request to the simulator, for wire-level checks the client does not cover.
    func raw(
        _ method: String, _ path: String, key: String?, headers: [String: String] = [:], body: String? = nil
    ) async throws -> (status: Int, headers: [String: String], body: String) {
        var request = HTTPClientRequest(url: running.baseURL + path)
        request.method = .RAW(value: method)
        if let key { request.headers.add(name: "Authorization", value: "Bearer \(key)") }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let buffer = try await response.body.collect(upTo: 16 * 1024 * 1024)
        var fields: [String: String] = [:]
        for header in response.headers { fields[header.name.lowercased()] = header.value }
        return (Int(response.status.code), fields, String(buffer: buffer))
    }

    func rawJSON(
        _ method: String, _ path: String, key: String?, headers: [String: String] = [:], body: String? = nil
    ) async throws -> (status: Int, json: [String: Any]) {
        let answer = try await raw(method, path, key: key, headers: headers, body: body)
        let object = try JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any] ?? [:]
        return (answer.status, object)
    }
}

/// Runs `body` against a fresh simulator with a manual clock at ``SimulatorWorld/start``.
func withSimulatorWorld<Result: Sendable>(
    seed: UInt64 = 42, totalCredits: Money = Money(dollars: 1_000_000),
    _ body: (SimulatorWorld) async throws -> Result
) async throws -> Result {
    let clock = ManualTimeSource(SimulatorWorld.start)
    let configuration = SimulatorConfiguration(
        managementKeys: [SimulatorWorld.managementKey], seed: seed, timeSource: clock, totalCredits: totalCredits)
    return try await OpenRouterSimulator.withRunningServer(configuration: configuration) { running in
        try await body(SimulatorWorld(running: running, clock: clock))
    }
}

/// The error a call threw, for `#expect` on its class.
func openRouterError(_ work: () async throws -> Void) async -> OpenRouterError? {
    do {
        try await work()
        return nil
    } catch let error as OpenRouterError {
        return error
    } catch {
        return .malformedResponse("unexpected error type: \(error)")
    }
}
