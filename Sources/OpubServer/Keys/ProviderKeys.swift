import OpenRouter
import OpubCore

/// The provider's key-management API as opub's key lifecycle uses it. ``OpenRouterClient`` is the
/// production implementation (against OpenRouter, a gateway, or `openrouter-sim`).
public protocol ProviderKeys: Sendable {
    /// Every key in opub's workspace, disabled and expired ones included.
    func listEveryKey() async throws -> [ProviderKey]
    /// The reconciler's view of the same listing: opub's keys as snapshots, and how many keys were
    /// listed in all. `expecting` is how many the caller last saw (0 when it does not know): a client may
    /// then fetch that many pages at once, and turn each page as it arrives, never holding every full
    /// key at once.
    func listEverySnapshot(expecting: Int) async throws -> (snapshots: [ProviderKeySnapshot], listed: Int)
    func createKey(_ request: CreateKeyRequest) async throws -> CreatedKey
    func key(hash: String) async throws -> ProviderKey
    func updateKey(hash: String, _ update: UpdateKeyRequest) async throws -> ProviderKey
    func deleteKey(hash: String) async throws
    func assignKeys(_ keyHashes: [String], toGuardrail id: String) async throws -> Int
    func createGuardrail(_ request: CreateGuardrailRequest) async throws -> Guardrail
    /// `GET /activity?api_key_hash=…`: one key's spend by day and model over the last 30 days.
    func activity(date: String?, apiKeyHash: String?) async throws -> [ActivityRecord]
    /// `GET /models`: what the provider serves (the recommended models are checked against it).
    func listModels() async throws -> [ListedModel]
}

extension ProviderKeys {
    public func listEverySnapshot(expecting: Int) async throws -> (snapshots: [ProviderKeySnapshot], listed: Int) {
        let keys = try await listEveryKey()
        return (keys.compactMap(\.reconcileSnapshot), keys.count)
    }
}

extension OpenRouterClient: ProviderKeys {
    public func listEveryKey() async throws -> [ProviderKey] {
        try await listAllKeys(includeDisabled: true, includeExpired: true)
    }

    public func listEverySnapshot(expecting: Int) async throws -> (snapshots: [ProviderKeySnapshot], listed: Int) {
        let listing = try await listAllKeys(includeDisabled: true, includeExpired: true, expecting: expecting) {
            $0.reconcileSnapshot
        }
        return (listing.values, listing.listed)
    }
}

extension ProviderKey {
    /// The reconcile planner's view of a provider key, nil when the key is not one of opub's.
    public var reconcileSnapshot: ProviderKeySnapshot? {
        guard ProviderKeyName.isOpubs(name) else { return nil }
        return ProviderKeySnapshot(
            hash: hash, keyID: ProviderKeySnapshot.keyID(fromProviderName: name), disabled: disabled, limit: limit,
            usage: spend)
    }
}

extension Error {
    /// True when the provider says the key does not exist (404, or 401 `User not found.` for a deleted key).
    var isProviderNotFound: Bool {
        guard let error = self as? OpenRouterError else { return false }
        if case .notFound = error { return true }
        return false
    }

    /// True when the provider may have carried out a request whose answer was lost.
    var isAmbiguousProviderFailure: Bool {
        guard let error = self as? OpenRouterError else { return false }
        if case .providerDown(_, let mayHaveSucceeded) = error { return mayHaveSucceeded }
        return false
    }
}
