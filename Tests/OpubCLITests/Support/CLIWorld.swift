import Foundation
import OpenRouter
import OpenRouterSim
import OpubCLI
import OpubCore

/// A simulator holding a real key, a stand-in opub server that knows the key as `octo/widgets`'s,
/// and a temporary home: what `opub setup` and `opub run` need.
struct CLIWorld: Sendable {
    let temp: TemporaryWorld
    let server: CLIServerState
    let serverURL: String
    let simulator: RunningSimulator
    let keyID: KeyID
    let secret: String

    static let managementKey = "sk-or-v1-" + String(repeating: "cd", count: 32)
    static let models = [
        "claude": "anthropic/claude-sonnet-4.6", "codex": "openai/gpt-5-codex", "copilot": "openai/gpt-5",
        "vibe": "mistralai/devstral-medium", "opencode": "moonshotai/kimi-k2", "continue": "qwen/qwen3-coder",
    ]

    var providerURL: String { simulator.baseURL }

    /// The environment for the `opub` binary: the temporary home plus the stand-in server.
    var environment: [String: String] { temp.environment.merging(["OPUB_SERVER": serverURL]) { $1 } }

    func opub(
        _ arguments: [String], in directory: String? = nil, standardInput: String = "",
        environment extra: [String: String] = [:]
    ) async -> (status: Int32, output: String, error: String) {
        await temp.opub(
            arguments, in: directory, standardInput: standardInput,
            environment: ["OPUB_SERVER": serverURL].merging(extra) { $1 })
    }

    /// `opub setup <surface> --project octo/widgets --compute-key-id ck_… --key-stdin` in the repository.
    func setup(
        _ surface: String = "claude", extra: [String] = []
    ) async -> (status: Int32, output: String, error: String) {
        await opub(
            ["setup", surface, "--project", "octo/widgets", "--compute-key-id", keyID.rawValue, "--key-stdin"] + extra,
            standardInput: secret + "\n")
    }

    /// Runs the `opub` binary to completion in the repository.
    func runBinary(
        _ arguments: [String], environment extra: [String: String] = [:], timeout: Duration = .seconds(60)
    ) async throws -> (status: Int32, output: String, error: String) {
        try await RunningOpub.run(
            arguments, environment: environment.merging(extra) { $1 }, directory: temp.repository,
            logs: temp.root, timeout: timeout)
    }
}

/// Runs `body` in a fresh ``CLIWorld``.
func withCLIWorld<Result: Sendable>(
    heartbeatInterval: Int = 1, _ body: @Sendable (CLIWorld) async throws -> Result
) async throws -> Result {
    let temp = try TemporaryWorld()
    defer { temp.remove() }
    let configuration = SimulatorConfiguration(managementKeys: [CLIWorld.managementKey], seed: 7)
    return try await OpenRouterSimulator.withRunningServer(configuration: configuration) { simulator in
        let keyID = KeyID.random()
        let admin = OpenRouterClient(
            apiKey: CLIWorld.managementKey, configuration: .init(baseURL: simulator.baseURL, retryPolicy: .never))
        let created = try await admin.createKey(CreateKeyRequest(name: "opub:\(keyID)", limit: Money(dollars: 20)))
        let state = CLIServerState()
        await state.addKey(keyID, secret: created.secret, project: "octo/widgets")
        await state.configure(
            models: CLIWorld.models, providerURL: simulator.baseURL, heartbeatInterval: heartbeatInterval)
        return try await CLIServerStandIn(state: state).serve { url in
            try await body(
                CLIWorld(
                    temp: temp, server: state, serverURL: url, simulator: simulator, keyID: keyID,
                    secret: created.secret))
        }
    }
}
