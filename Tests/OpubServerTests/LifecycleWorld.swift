import AsyncHTTPClient
import Foundation
import NIOCore
import OpenRouter
import OpenRouterSim
import OpubCore
import OpubServer
import OpubStore
import OpubTestSupport
import SQLKit

/// A store, a live simulator over HTTP, and the key lifecycle wired to both.
struct LifecycleWorld: Sendable {
    let store: Store
    let clock: ManualClock
    let simulator: RunningSimulator
    let client: OpenRouterClient
    let provider: CountingProviderKeys

    static let managementKey = "sk-or-v1-" + String(repeating: "cd", count: 32)

    var provisioner: KeyProvisioner { provisioner() }

    func provisioner(probe: any LifecycleProbe = NoProbe(), guardrail: String? = nil) -> KeyProvisioner {
        KeyProvisioner(
            store: store, provider: provider, settings: .init(guardrailID: guardrail), probe: probe,
            logger: quietLogger())
    }

    func revoker(probe: any LifecycleProbe = NoProbe()) -> KeyRevoker {
        KeyRevoker(store: store, provider: provider, probe: probe, logger: quietLogger())
    }

    func rotator(probe: any LifecycleProbe = NoProbe()) -> KeyRotator {
        KeyRotator(provisioner: provisioner(probe: probe))
    }

    var executor: ReconcileExecutor { ReconcileExecutor(store: store, provider: provider, logger: quietLogger()) }

    /// A claimed project with `dollars` granted.
    func project(_ name: String = "acme/widgets", dollars: Int64) async throws -> ProjectRecord {
        let project = try await store.projects.create(try RepositoryName(parsing: name))
        try await store.engine.write { db in
            try await db.raw("UPDATE projects SET claimed_at = 1 WHERE id = \(bind: project.id.rawValue)").run()
        }
        if dollars > 0 {
            try await store.ledger.post(
                .grant(amount: Money(dollars: dollars)), to: project.id, idempotencyKey: "grant:\(project.id)",
                memo: "seed")
        }
        return try await store.projects.find(project.id)!
    }

    /// Adds provider usage to a key as if its owner had made requests.
    func charge(_ key: ComputeKeyRecord, usd: String, byok: Bool = false) async throws {
        var request = HTTPClientRequest(url: simulator.baseURL + "/_sim/charge")
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(Self.managementKey)")
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(
            ByteBuffer(string: #"{"key_hash":"\#(key.providerHash!)","usd":"\#(usd)","byok":\#(byok)}"#))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        guard response.status == .ok else { throw StoreError.conflict("charge failed: \(response.status)") }
    }

    func providerKey(_ key: ComputeKeyRecord) async throws -> ProviderKey {
        try await client.key(hash: key.providerHash!)
    }

    func opubProviderKeys() async throws -> [ProviderKey] {
        try await client.listAllKeys(includeDisabled: true).filter { $0.name.hasPrefix("opub:") }
    }

    func verify() async throws -> [InvariantViolation] {
        try await LedgerVerifier(store: store).verify().violations
    }

    /// No provider key can spend unless an active local key with that hash exists.
    func noUsableKeyWithoutRecord() async throws -> Bool {
        let active = try await store.keys.reconcilable().filter { $0.state == .active }.compactMap(\.providerHash)
        return try await opubProviderKeys().allSatisfy { $0.disabled || active.contains($0.hash) }
    }
}

func withLifecycleWorld<R: Sendable>(
    _ engine: TestEngine, _ body: @Sendable (LifecycleWorld) async throws -> R
) async throws -> R {
    let clock = ManualClock(Timestamp.now())
    return try await withTestStore(engine, clock: clock) { store, _ in
        // The provider and opub share one clock, so a test that moves time moves both.
        let configuration = SimulatorConfiguration(
            managementKeys: [LifecycleWorld.managementKey], seed: 7, timeSource: clock)
        return try await OpenRouterSimulator.withRunningServer(configuration: configuration) { simulator in
            let client = OpenRouterClient(
                apiKey: LifecycleWorld.managementKey,
                configuration: .init(
                    baseURL: simulator.baseURL, timeout: .seconds(2),
                    retryPolicy: RetryPolicy(maxAttempts: 2, baseDelay: .milliseconds(1), maxDelay: .milliseconds(5))))
            return try await body(
                LifecycleWorld(
                    store: store, clock: clock, simulator: simulator, client: client,
                    provider: CountingProviderKeys(client)))
        }
    }
}

/// Stops a lifecycle right after one step, as a crash would.
struct CrashAfter: LifecycleProbe {
    let step: LifecycleStep
    func reached(_ reached: LifecycleStep) async throws {
        if reached == step { throw LifecycleCrash(after: step) }
    }
}
