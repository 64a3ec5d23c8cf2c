import Logging
import OpenRouter
import OpubCore
import OpubStore

/// Rotates compute keys (`money.md`, "Rotate"; the order and why it keeps the money rules are in
/// ``KeyRotation``): the successor is made at the provider with limit 0, the old key is disabled there
/// and settled, and only then does the successor take over the reservation and get its limit.
public struct KeyRotator: Sendable {
    let provisioner: KeyProvisioner

    public init(provisioner: KeyProvisioner) {
        self.provisioner = provisioner
    }

    var store: Store { provisioner.store }
    var provider: any ProviderKeys { provisioner.provider }
    var probe: any LifecycleProbe { provisioner.probe }

    /// Replaces `old` by a new key with the same name and expiry and returns the new secret once. The
    /// caller has already checked that the requester maintains the key's project.
    public func rotate(_ old: KeyID, by user: UserID?) async throws -> ProvisionedKey {
        guard let record = try await store.keys.find(old), let oldHash = record.providerHash else {
            throw StoreError.notFound("There is no active compute key \(old).")
        }
        // 1. The successor, provisioning, limit 0.
        let successor = try await store.withProjectLock(record.projectID) { write in
            try await write.insertSuccessor(of: old, id: .random(), createdBy: user)
        }
        try await probe.reached(.successorInserted)

        // 2. Its provider key, which cannot spend yet, and its guardrail.
        let created: CreatedKey
        do {
            created = try await provisioner.createAtProvider(successor)
            if let guardrail = provisioner.settings.guardrailID {
                do {
                    _ = try await provider.assignKeys([created.key.hash], toGuardrail: guardrail)
                } catch {
                    try? await provider.deleteKey(hash: created.key.hash)
                    throw error
                }
            }
        } catch let error as LifecycleCrash {
            throw error
        } catch {
            try await provisioner.failProvisioning(successor)
            throw KeyProvisioningError.providerFailed(successor.id, String(describing: error))
        }
        let token = LinkToken.derive(secret: created.secret, keyID: successor.id)
        do {
            try await store.withProjectLock(record.projectID) { write in
                try await write.recordProviderKey(
                    successor.id, providerHash: created.key.hash, providerLabel: created.key.label,
                    linkTokenVerifier: LinkToken.verifier(ofToken: token))
            }
        } catch is IllegalKeyTransition {
            try? await provider.deleteKey(hash: created.key.hash)
            throw KeyProvisioningError.abandoned(successor.id)
        }
        try await probe.reached(.successorCreated)

        // Overtaken while the provider was slow (the reconciler abandoned the successor, or the old key
        // was revoked): stop before touching the old key.
        let stillRotating = try await store.withProjectLock(record.projectID) { write -> Bool in
            let next = try await write.key(successor.id).state
            let current = try await write.key(old).state
            return next == .provisioning && current == .active
        }
        guard stillRotating else {
            try await undo(successor, hash: created.key.hash)
            throw KeyRotation.Refusal.overtaken
        }

        // 3. The old key stops at the provider; its usage is read in the same answer.
        let usage: Money
        do {
            usage = try await provider.updateKey(hash: oldHash, UpdateKeyRequest(disabled: true)).spend
        } catch let error as LifecycleCrash {
            throw error
        } catch {
            // The answer may have been lost after the key was disabled: ask once. Undo only when the old
            // key clearly still works; without an answer the reconciler decides from its listing.
            guard let current = try? await provider.key(hash: oldHash) else {
                throw KeyProvisioningError.rotationUncertain(successor.id)
            }
            if current.disabled {
                usage = current.spend
            } else {
                try await undo(successor, hash: created.key.hash)
                throw KeyProvisioningError.providerFailed(successor.id, String(describing: error))
            }
        }
        try await probe.reached(.oldKeyDisabled)

        // 4–5. Settle the old key, move its reservation, activate the successor, raise its limit.
        let active: ComputeKeyRecord
        do {
            active = try await KeyRotationSteps(store: store, provider: provider, logger: provisioner.logger)
                .settle(old: old, new: successor.id, usage: usage)
        } catch KeyRotation.Refusal.overtaken {
            // The reconciler abandoned the successor meanwhile, or the old key was revoked. An old key
            // still active in opub is enabled again (it holds its reservation and works unchanged).
            try await undo(successor, hash: created.key.hash)
            if try await store.keys.find(old)?.state == .active {
                _ = try? await provider.updateKey(hash: oldHash, UpdateKeyRequest(disabled: false))
            }
            throw KeyRotation.Refusal.overtaken
        }
        try await probe.reached(.rotationSettled)
        provisioner.logger.info(
            "compute key rotated", metadata: ["key": "\(old)", "new": "\(active.id)", "project": "\(record.projectID)"])
        return ProvisionedKey(key: active, secret: created.secret, linkToken: token)
    }
}

extension KeyRotator {
    /// Removes a successor that will not be used: `provisioning_failed` under the lock (unless it is
    /// no longer provisioning — then it is not ours to remove), then its provider key deleted.
    func undo(_ successor: ComputeKeyRecord, hash: String) async throws {
        let current = try await store.keys.find(successor.id)?.state
        if current == .provisioning { try await provisioner.failProvisioning(successor) }
        guard current != .active else { return }
        do { try await provider.deleteKey(hash: hash) } catch  where error.isProviderNotFound {}
    }
}

/// Rotation steps 4–5.
struct KeyRotationSteps: Sendable {
    let store: Store
    let provider: any ProviderKeys
    var logger = Logger(label: "opub.keys")

    /// Settles `old` (disabled at the provider, lifetime usage `usage`), moves its reservation to `new`
    /// and activates it, then sets `new`'s provider limit. A failed limit update leaves the rotation
    /// complete in opub; the reconciler's limit restore raises it on its next cycle.
    func settle(old: KeyID, new: KeyID, usage oldUsage: Money) async throws -> ComputeKeyRecord {
        guard let record = try await store.keys.find(old) else {
            throw StoreError.notFound("There is no compute key \(old).")
        }
        let successor = try await store.withProjectLock(record.projectID) { write in
            try await write.completeRotation(old: old, new: new, oldUsage: oldUsage)
        }
        if let hash = successor.providerHash {
            do {
                // A cap may lower the limit between the commit and this update: send the limit again
                // until the one sent is the one opub holds, so that a stale value never stays.
                var sent = successor.limit
                _ = try await provider.updateKey(hash: hash, UpdateKeyRequest(limit: .set(sent)))
                for _ in 0..<3 {
                    guard let now = try await store.keys.find(new), now.state == .active, now.limit != sent else {
                        break
                    }
                    sent = now.limit
                    _ = try await provider.updateKey(hash: hash, UpdateKeyRequest(limit: .set(sent)))
                }
            } catch let error as LifecycleCrash {
                throw error
            } catch {
                logger.warning(
                    "the rotated key's successor could not get its limit yet; the reconciler restores it",
                    metadata: ["key": "\(new)", "error": "\(error)"])
            }
        }
        return successor
    }
}
