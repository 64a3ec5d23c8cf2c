import Metrics
import OpenRouter
import OpubCore
import Synchronization

/// Wraps a provider and counts the calls made through it (the reconcile benchmark's bar is on
/// provider calls, and the count is a metric).
public final class CountingProviderKeys: ProviderKeys {
    let base: any ProviderKeys
    private let counter = Atomic<Int>(0)
    private let listCounter = Atomic<Int>(0)

    let metrics: any MetricsFactory

    public init(_ base: any ProviderKeys, metrics: any MetricsFactory = MetricsSystem.factory) {
        self.base = base
        self.metrics = metrics
    }

    /// Calls made so far; listing counts one call per page of 100.
    public var calls: Int { counter.load(ordering: .relaxed) }
    /// Of ``calls``, the listing pages.
    public var listCalls: Int { listCounter.load(ordering: .relaxed) }

    private func count(_ n: Int = 1) {
        counter.add(n, ordering: .relaxed)
        Counter(label: "opub_provider_calls_total", factory: metrics).increment(by: n)
    }

    public func listEverySnapshot(expecting: Int) async throws -> (snapshots: [ProviderKeySnapshot], listed: Int) {
        let listing = try await base.listEverySnapshot(expecting: expecting)
        countListing(of: listing.listed)
        return listing
    }

    public func listEveryKey() async throws -> [ProviderKey] {
        let keys = try await base.listEveryKey()
        countListing(of: keys.count)
        return keys
    }

    /// A listing of `keys` keys counts as its pages of 100 and the empty page that ends it.
    private func countListing(of keys: Int) {
        let pages = keys / OpenRouterClient.keysPageSize + 1
        listCounter.add(pages, ordering: .relaxed)
        count(pages)
    }

    public func createKey(_ request: CreateKeyRequest) async throws -> CreatedKey {
        count()
        return try await base.createKey(request)
    }

    public func key(hash: String) async throws -> ProviderKey {
        count()
        return try await base.key(hash: hash)
    }

    public func updateKey(hash: String, _ update: UpdateKeyRequest) async throws -> ProviderKey {
        count()
        return try await base.updateKey(hash: hash, update)
    }

    public func deleteKey(hash: String) async throws {
        count()
        try await base.deleteKey(hash: hash)
    }

    public func assignKeys(_ keyHashes: [String], toGuardrail id: String) async throws -> Int {
        count()
        return try await base.assignKeys(keyHashes, toGuardrail: id)
    }

    public func createGuardrail(_ request: CreateGuardrailRequest) async throws -> Guardrail {
        count()
        return try await base.createGuardrail(request)
    }

    public func activity(date: String?, apiKeyHash: String?) async throws -> [ActivityRecord] {
        count()
        return try await base.activity(date: date, apiKeyHash: apiKeyHash)
    }

    public func listModels() async throws -> [ListedModel] {
        count()
        return try await base.listModels()
    }
}
