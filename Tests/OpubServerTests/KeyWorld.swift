import AsyncHTTPClient
import Foundation
import NIOCore
import OpenRouter
import OpenRouterSim
import OpubCore
import OpubServer
import OpubServerStandIns
import OpubStore
import OpubTestSupport
import Synchronization

/// Production mode against the GitHub and Stripe stand-ins and a live OpenRouter simulator reached
/// over HTTP with a management key, as a real deployment reaches OpenRouter.
struct KeyWorld: Sendable {
    let world: ProductionWorld
    let simulator: RunningSimulator

    var app: AppWorld { world.app }
    var store: Store { world.app.store }
    var github: GitHubStandIn { world.github }

    static let managementKey = "sk-or-v1-" + String(repeating: "5e", count: 32)
    static let broadcastToken = "key-world-broadcast-token-0123456789"

    /// The provider as its operator sees it.
    var provider: OpenRouterClient {
        OpenRouterClient(apiKey: Self.managementKey, configuration: .init(baseURL: simulator.baseURL))
    }

    func providerKeys() async throws -> [ProviderKey] {
        try await provider.listAllKeys(includeDisabled: true)
    }

    /// Signs `login` in through GitHub (creating the account at the stand-in first).
    func signIn(_ login: String) async throws -> Browser {
        _ = await github.addUser(login)
        return try await githubSignIn(app, login, github: github)
    }

    /// A repository `name` that `login` administers, claimed by them, with `dollars` granted.
    func maintainer(_ login: String, of name: String, dollars: Int64) async throws -> Browser {
        _ = await github.addUser(login)
        _ = await github.addRepository(name, access: [login: .admin])
        let browser = try await githubSignIn(app, login, github: github)
        let parts = name.split(separator: "/")
        let claimed = try await browser.post(
            app, "/api/v1/projects", json: #"{"owner":"\#(parts[0])","repo":"\#(parts[1])"}"#)
        guard claimed.status == .created else { throw TestFailure("claim \(name): \(claimed.text)") }
        if dollars > 0 {
            let project = try await store.projects.require(named: try RepositoryName(parsing: name))
            try await store.ledger.post(
                .grant(amount: Money(dollars: dollars)), to: project.id, idempotencyKey: "grant:\(name)", memo: "seed")
        }
        return browser
    }

    /// Creates a key through the API and returns its JSON answer.
    func createKey(
        _ browser: Browser, in name: String, keyName: String = "laptop", limit: String = "10.00"
    ) async throws -> (id: KeyID, secret: String, answer: [String: Any]) {
        let response = try await browser.post(
            app, "/api/v1/projects/\(name)/keys", json: #"{"name":"\#(keyName)","limit":"\#(limit)"}"#)
        guard response.status == .created else { throw TestFailure("create key: \(response.text)") }
        let answer = try response.json()
        guard let key = answer["key"] as? [String: Any], let id = (key["id"] as? String).flatMap(KeyID.init),
            let secret = answer["secret"] as? String
        else { throw TestFailure("create key answered \(response.text)") }
        return (id, secret, answer)
    }

    /// Sets the simulator's fault rules (`[]` clears them).
    func faults(_ rules: String) async throws {
        var request = HTTPClientRequest(url: simulator.baseURL + "/_sim/faults")
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(Self.managementKey)")
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: #"{"rules":\#(rules)}"#))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        guard response.status == .ok else { throw TestFailure("faults: \(response.status)") }
    }

    /// One chat completion on the key, as an agent would make it, carrying `session` as its session id.
    func chat(secret: String, session: SessionID?) async throws {
        var request = HTTPClientRequest(url: simulator.baseURL + "/chat/completions")
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(secret)")
        request.headers.add(name: "Content-Type", value: "application/json")
        if let session { request.headers.add(name: "x-session-id", value: session.rawValue) }
        request.body = .bytes(
            ByteBuffer(
                string: #"{"model":"openai/gpt-5.4-mini","messages":[{"role":"user","content":"Write a haiku"}]}"#))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        guard response.status == .ok else { throw TestFailure("chat: \(response.status)") }
    }

    /// Calls a CLI route with a link token.
    func cli(
        _ method: String, _ path: String, token: String?, json: String? = nil
    ) async throws -> (status: Int, body: String) {
        guard let port = app.client.port else { throw TestFailure("the app is not live") }
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.method = .RAW(value: method)
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: json))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), String(buffer: body))
    }
}

/// With `broadcast`, the simulator broadcasts a trace per request to the app's
/// `/ingest/openrouter/traces` (with those faults), as OpenRouter Broadcast would, and the app holds
/// ``KeyWorld/broadcastToken``.
func withKeyWorld<R: Sendable>(
    _ engine: TestEngine, clock: any TimeSource = SystemTimeSource(), extra: [String: String] = [:],
    broadcast: BroadcastFaults? = nil, _ body: @Sendable (KeyWorld) async throws -> R
) async throws -> R {
    // The provider and opub share one clock, so a test that moves time moves both.
    var configuration = SimulatorConfiguration(managementKeys: [KeyWorld.managementKey], seed: 11, timeSource: clock)
    let box = DestinationBox()
    var extra = extra
    if let broadcast {
        // The app's port is known only once it listens: the destination is read at each delivery.
        configuration.broadcast = BroadcastSettings(
            destination: { box.value }, headers: [(name: "Authorization", value: "Bearer " + KeyWorld.broadcastToken)],
            faults: broadcast)
        extra["OPUB_BROADCAST_TOKEN"] = KeyWorld.broadcastToken
    }
    return try await OpenRouterSimulator.withRunningServer(configuration: configuration) { simulator in
        try await withProductionWorld(
            engine, clock: clock,
            extra: [
                "OPUB_SANDBOX_PROVIDER": "false", "OPENROUTER_MANAGEMENT_KEY": KeyWorld.managementKey,
                "OPENROUTER_BASE_URL": simulator.baseURL,
            ].merging(extra) { $1 }
        ) { world in
            if let port = world.app.client.port {
                box.set("http://127.0.0.1:\(port)/ingest/openrouter/traces")
            }
            return try await body(KeyWorld(world: world, simulator: simulator))
        }
    }
}

/// A reference to the broadcast destination, set once the app listens.
final class DestinationBox: Sendable {
    private let destination = Mutex<String?>(nil)

    var value: String? { destination.withLock { $0 } }

    func set(_ url: String) { destination.withLock { $0 = url } }
}
