import Logging
import OpubCore
import OpubStore

/// Turns what the reconciler saw into alerts (``KeyAlertRules``): direct use and spikes from the spend
/// it posted, new models and providers from the day's detail, expiry within a week, revocation for lost
/// access; and revokes a key whose direct-use spend passed its maintainer's threshold. Each alert is
/// recorded once (its dedupe key) and queued for the project's webhook.
struct KeyAlerting: Sendable {
    let store: Store
    let provider: any ProviderKeys
    let spikeBasisPoints: Int
    let logger: Logger

    /// After spend was posted: `transactions` are the new spend transactions; `known` holds the records
    /// of (some of) their keys as the caller read them, the others are read here.
    func spendPosted(_ transactions: [LedgerTransaction], keys known: [KeyID: ComputeKeyRecord] = [:]) async throws {
        var drafts: [KeyAlertDraft] = []
        var directKeys: Set<KeyID> = []
        let spends = transactions.filter { $0.kind == .spend }
        // One read of every key that spent (a busy cycle posts spend for thousands).
        let unknown = Set(spends.compactMap(\.keyID)).filter { known[$0] == nil }
        let keys = known.merging(try await store.keys.find(Array(unknown))) { _, read in read }
        for tx in spends {
            guard let id = tx.keyID, let key = keys[id] else { continue }
            let amount = tx.providerChange
            if tx.sessionID == nil {
                directKeys.insert(id)
                drafts.append(
                    KeyAlertDraft(
                        kind: .directUse, keyID: id, projectID: key.projectID,
                        message: "Key “\(key.name)” spent \(amount.formattedPrecise()) while none of its opub sessions "
                            + "ran (direct use).", amount: amount, dedupeKey: "direct:\(tx.id.rawValue)"))
            }
            if KeyAlertRules.isSpike(spend: amount, limit: key.limit, shareBasisPoints: spikeBasisPoints) {
                drafts.append(
                    KeyAlertDraft(
                        kind: .spike, keyID: id, projectID: key.projectID,
                        message: "Key “\(key.name)” spent \(amount.formattedPrecise()) in one reconcile interval, more "
                            + "than \(spikeBasisPoints / 100) % of its \(key.limit.formatted()) limit.",
                        amount: amount, dedupeKey: "spike:\(tx.id.rawValue)"))
            }
        }
        try await store.alerts.record(drafts)
        // Only keys whose maintainers set a threshold can revoke themselves: one read finds them.
        let thresholds = try await store.alerts.directUseRevokes(of: directKeys.sorted())
        for id in thresholds.keys.sorted() { try await revokeIfOverThreshold(id) }
    }

    /// A key whose direct-use spend passed its threshold revokes itself.
    func revokeIfOverThreshold(_ id: KeyID) async throws {
        guard let threshold = try await store.alerts.directUseRevoke(of: id),
            let key = try await store.keys.find(id), key.state == .active
        else { return }
        let direct = try await store.alerts.directUse(of: id, since: nil)
        guard KeyAlertRules.revokesItself(directUse: direct, threshold: threshold) else { return }
        _ = try await KeyRevoker(store: store, provider: provider, logger: logger).revoke(id)
        try await store.alerts.record([
            KeyAlertDraft(
                kind: .autoRevoked, keyID: id, projectID: key.projectID,
                message: "Key “\(key.name)” was revoked automatically: its direct-use spend "
                    + "(\(direct.formattedPrecise())) passed the \(threshold.formatted()) its maintainers set.",
                amount: direct, dedupeKey: "autorevoke:\(id.rawValue)")
        ])
        logger.warning("key revoked for direct use over its threshold", metadata: ["key": "\(id)"])
    }

    /// The alert of `key` when it is active and expires within a week (``KeyAlertRules/expiresSoon(_:now:)``).
    static func expiringAlert(_ key: ComputeKeyRecord, now: Timestamp) -> KeyAlertDraft? {
        guard key.state == .active, KeyAlertRules.expiresSoon(key.expiresAt, now: now) else { return nil }
        return KeyAlertDraft(
            kind: .expiring, keyID: key.id, projectID: key.projectID,
            message: "Key “\(key.name)” expires on \(String((key.expiresAt ?? now).iso8601.prefix(10))); create a "
                + "new one (or rotate it) before then.", dedupeKey: "expiring:\(key.id.rawValue)")
    }

    /// Records expiry alerts (deduplicated per key by the store).
    func record(expiring drafts: [KeyAlertDraft]) async throws {
        try await store.alerts.record(drafts)
    }

    /// Models and providers in `readings` the key never used on an earlier day (`known`).
    func detailRead(
        _ key: ComputeKeyRecord, readings: [UsageReading], known: (models: Set<String>, providers: Set<String>)
    )
        async throws
    {
        let models = KeyAlertRules.newlyUsed(Set(readings.map(\.model)), before: known.models)
        let providers = KeyAlertRules.newlyUsed(
            Set(readings.map(\.providerName).filter { !$0.isEmpty }), before: known.providers)
        var drafts = models.map {
            KeyAlertDraft(
                kind: .newModel, keyID: key.id, projectID: key.projectID,
                message: "Key “\(key.name)” used the model \($0) for the first time.",
                dedupeKey: "model:\(key.id.rawValue):\($0)")
        }
        drafts += providers.map {
            KeyAlertDraft(
                kind: .newModel, keyID: key.id, projectID: key.projectID,
                message: "Key “\(key.name)” was served by the provider \($0) for the first time.",
                dedupeKey: "provider:\(key.id.rawValue):\($0)")
        }
        try await store.alerts.record(drafts)
    }
}
