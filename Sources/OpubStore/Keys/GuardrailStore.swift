import OpubCore
import SQLKit

/// The provider guardrail made from the operator's allowlist (`OPUB_ALLOWED_PROVIDERS`), one per
/// distinct allowlist, recorded so that every replica and every restart assigns the same one.
public struct GuardrailStore: Sendable {
    let store: Store

    /// The guardrail recorded for `allowlist` (its canonical text, e.g. `anthropic,openai`).
    public func guardrail(for allowlist: String) async throws -> String? {
        try await store.engine.read { db in
            try await db.raw("SELECT guardrail_id FROM provider_guardrails WHERE allowlist = \(bind: allowlist)")
                .first()?.decode(column: "guardrail_id", as: String.self)
        }
    }

    /// Records `id` for `allowlist` unless another replica recorded one first; returns the winner.
    public func record(_ id: String, for allowlist: String) async throws -> String {
        let now = store.clock.now().microsSinceEpoch
        return try await store.engine.write { db in
            try await db.raw(
                """
                INSERT INTO provider_guardrails (allowlist, guardrail_id, created_at)
                VALUES (\(bind: allowlist), \(bind: id), \(bind: now)) ON CONFLICT (allowlist) DO NOTHING
                """
            ).run()
            guard
                let winner = try await db.raw(
                    "SELECT guardrail_id FROM provider_guardrails WHERE allowlist = \(bind: allowlist)"
                ).first()?.decode(column: "guardrail_id", as: String.self)
            else { throw StoreError.corrupt("guardrail for \(allowlist) vanished") }
            return winner
        }
    }
}

extension Store {
    public var guardrails: GuardrailStore { GuardrailStore(store: self) }
}
