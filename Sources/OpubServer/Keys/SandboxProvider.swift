import AsyncHTTPClient
import OpenRouter
import OpenRouterSim
import OpubCore

/// Sandbox mode's provider: the same simulator as `openrouter-sim`, served by this process under
/// `/sandbox/openrouter/api/v1`, so that keys minted in the sandbox work for the CLI and agents.
///
/// opub talks to it over HTTP like to the real OpenRouter, through its own public URL (known once the
/// server has bound its port), with a management key generated at start and never shown.
public struct SandboxProvider: ProviderKeys {
    public static let routeGroup = "sandbox/openrouter/api/v1"
    public static let pathPrefix = "/sandbox/openrouter/"

    public let simulator: OpenRouterSimulator
    let urls: PublicURL
    let httpClient: HTTPClient
    let managementKey: String

    /// `broadcastToken`: the simulator broadcasts a trace per request to this server's
    /// `/ingest/openrouter/traces` with it (as OpenRouter Broadcast would), so per-request rows and
    /// exact session links work out of the box in sandbox mode.
    public init(urls: PublicURL, httpClient: HTTPClient, broadcastToken: String? = nil) {
        managementKey = SimulatorConfiguration.generateManagementKey()
        var configuration = SimulatorConfiguration(managementKeys: [managementKey])
        if let broadcastToken {
            configuration.broadcast = BroadcastSettings(
                destination: { urls.isKnown ? urls.url(TraceIngestRoutes.path) : nil },
                headers: [(name: "Authorization", value: "Bearer " + broadcastToken)])
        }
        simulator = OpenRouterSimulator(configuration: configuration)
        self.urls = urls
        self.httpClient = httpClient
    }

    /// The provider URL this server advertises to the CLI in sandbox mode.
    public var baseURL: String { urls.url("/" + Self.routeGroup) }

    var client: OpenRouterClient {
        get throws {
            guard urls.isKnown else {
                throw OpenRouterError.providerDown(
                    reason: "the sandbox provider is not listening yet", mayHaveSucceeded: false)
            }
            return OpenRouterClient(
                apiKey: managementKey, configuration: .init(baseURL: baseURL), httpClient: httpClient)
        }
    }

    public func listEveryKey() async throws -> [ProviderKey] {
        try await client.listEveryKey()
    }
    public func listEverySnapshot(expecting: Int) async throws -> (snapshots: [ProviderKeySnapshot], listed: Int) {
        try await client.listEverySnapshot(expecting: expecting)
    }
    public func createKey(_ request: CreateKeyRequest) async throws -> CreatedKey {
        try await client.createKey(request)
    }
    public func key(hash: String) async throws -> ProviderKey { try await client.key(hash: hash) }
    public func updateKey(hash: String, _ update: UpdateKeyRequest) async throws -> ProviderKey {
        try await client.updateKey(hash: hash, update)
    }
    public func deleteKey(hash: String) async throws { try await client.deleteKey(hash: hash) }
    public func assignKeys(_ keyHashes: [String], toGuardrail id: String) async throws -> Int {
        try await client.assignKeys(keyHashes, toGuardrail: id)
    }
    public func createGuardrail(_ request: CreateGuardrailRequest) async throws -> Guardrail {
        try await client.createGuardrail(request)
    }
    public func activity(date: String?, apiKeyHash: String?) async throws -> [ActivityRecord] {
        try await client.activity(date: date, apiKeyHash: apiKeyHash)
    }

    public func listModels() async throws -> [ListedModel] { try await client.listModels() }
}
