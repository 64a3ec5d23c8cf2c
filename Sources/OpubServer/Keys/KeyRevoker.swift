import Logging
import OpenRouter
import OpubCore
import OpubStore

/// The result of a revoke as the person who asked sees it.
public enum RevokeOutcome: Sendable, Equatable {
    /// Disabled at the provider, spend settled, the unspent reservation back in available (HTTP 200).
    case revoked
    /// Disabled in opub; the provider could not be reached, and the reconciler will finish (HTTP 202).
    case revokedPendingProvider
}

/// Revokes compute keys (`money.md`, revoke steps 1–3; step 4 belongs to the reconciler).
public struct KeyRevoker: Sendable {
    let store: Store
    let provider: any ProviderKeys
    let probe: any LifecycleProbe
    let logger: Logger

    public init(
        store: Store, provider: any ProviderKeys, probe: any LifecycleProbe = NoProbe(),
        logger: Logger = Logger(label: "opub.keys")
    ) {
        self.store = store
        self.provider = provider
        self.probe = probe
        self.logger = logger
    }

    /// Revokes `key` (already authorised by the caller). Revoking a key that is already disabled
    /// answers `revoked` without changing anything.
    public func revoke(_ key: KeyID, reason: DisabledReason = .revoked) async throws -> RevokeOutcome {
        guard let record = try await store.keys.find(key) else {
            throw StoreError.notFound("There is no compute key \(key).")
        }
        // 1. From now on the key shows as disabled and cannot link sessions.
        let state = try await store.withProjectLock(record.projectID) { write -> ComputeKeyState in
            let current = try await write.key(key)
            switch current.state {
            case .active: return try await write.transition(key, .disable(reason))
            case .provisioning:
                throw StoreError.conflict("Key \(key) is still being created; try again in a moment.")
            case .disabled: return current.state
            }
        }
        guard state.providerSync == .disablePending else { return .revoked }
        try await probe.reached(.revokeRecorded)
        do {
            try await KeySettlement(store: store, provider: provider, probe: probe).disableAtProviderAndSettle(key)
            return .revoked
        } catch let error as LifecycleCrash {
            throw error
        } catch  where error is OpenRouterError {
            logger.warning(
                "provider unreachable while revoking; the reconciler will finish",
                metadata: ["key": "\(key)", "error": "\(error)"])
            return .revokedPendingProvider
        }
    }
}

/// Revoke steps 2–3, shared by the revoker and the reconciler: disable at the provider, read the
/// usage, post spend for any growth, release the rest, mark `disabled_at_provider`. A key the
/// provider no longer has is settled as `deleted_at_provider`.
struct KeySettlement: Sendable {
    let store: Store
    let provider: any ProviderKeys
    var probe: any LifecycleProbe = NoProbe()

    func disableAtProviderAndSettle(_ id: KeyID) async throws {
        guard let record = try await store.keys.find(id) else { return }
        guard record.state.providerSync == .disablePending else { return }
        var usage: Money?
        if let hash = record.providerHash {
            do {
                usage = try await provider.updateKey(hash: hash, UpdateKeyRequest(disabled: true)).spend
            } catch  where error.isProviderNotFound {
                usage = nil
            }
        } else {
            // Never activated: remove any provider key created under its name.
            for existing in try await provider.listEveryKey()
            where existing.name == ProviderKeySnapshot.providerName(for: id) {
                try? await provider.deleteKey(hash: existing.hash)
            }
        }
        try await probe.reached(.providerDisabled)
        let reading = usage
        try await store.withProjectLock(record.projectID) { write in
            let current = try await write.key(id)
            guard current.state.providerSync == .disablePending else { return }
            if let reading { try await write.recordUsage(id, usage: reading) }
            try await write.releaseAll(id, reason: "disabled")
            _ = try await write.transition(
                id, reading == nil ? .confirmedDeletedAtProvider : .confirmedDisabledAtProvider)
        }
        try await probe.reached(.revokeSettled)
    }

    /// Revoke step 4, after the settle window: the last usage reading (late charges become spend,
    /// debiting available when nothing is reserved), then the provider key is deleted.
    func deleteAfterSettle(_ id: KeyID) async throws {
        guard let record = try await store.keys.find(id), record.state.providerSync == .disabledAtProvider else {
            return
        }
        var usage: Money?
        if let hash = record.providerHash {
            do {
                usage = try await provider.key(hash: hash).spend
                try await provider.deleteKey(hash: hash)
            } catch  where error.isProviderNotFound {}
        }
        let reading = usage
        try await store.withProjectLock(record.projectID) { write in
            let current = try await write.key(id)
            guard current.state.providerSync == .disabledAtProvider else { return }
            if let reading { try await write.recordUsage(id, usage: reading) }
            try await write.releaseAll(id, reason: "deleted")
            _ = try await write.transition(id, .confirmedDeletedAtProvider)
        }
    }
}
