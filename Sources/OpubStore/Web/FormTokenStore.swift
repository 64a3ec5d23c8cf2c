import OpubCore
import SQLKit

/// What became of a one-time form token.
public enum FormTokenUse: Sendable, Equatable {
    /// First use: go ahead.
    case fresh
    /// Used before; `key` is what that use created, if it got that far.
    case replayed(key: KeyID?)
}

/// One-time form tokens (by SHA-256, never the token itself): a form that must act at most once (key
/// creation) carries a random token, and the post that uses it first wins.
public struct FormTokenStore: Sendable {
    let store: Store

    /// How long used tokens are remembered: far longer than a page stays open.
    public static let retentionSeconds: Int64 = 7 * 86_400

    /// Marks `tokenHash` used for `purpose`, atomically; a second use (a reload, a double submit) is told
    /// so. Forgets tokens older than ``retentionSeconds`` on the way.
    public func use(_ tokenHash: String, purpose: String) async throws -> FormTokenUse {
        let now = store.clock.now()
        return try await store.engine.write { db in
            try await db.raw(
                "DELETE FROM form_tokens WHERE used_at < \(bind: now.adding(seconds: -Self.retentionSeconds).microsSinceEpoch)"
            ).run()
            let inserted = try await db.raw(
                """
                INSERT INTO form_tokens (token_hash, purpose, used_at)
                VALUES (\(bind: tokenHash), \(bind: purpose), \(bind: now.microsSinceEpoch))
                ON CONFLICT (token_hash) DO NOTHING RETURNING token_hash
                """
            ).first()
            if inserted != nil { return .fresh }
            let row = try await db.raw("SELECT key_id FROM form_tokens WHERE token_hash = \(bind: tokenHash)").first()
            return .replayed(key: try row?.decode(column: "key_id", as: String?.self).flatMap(KeyID.init))
        }
    }

    /// Records the key a token's form created.
    public func attach(_ key: KeyID, to tokenHash: String) async throws {
        try await store.engine.write { db in
            try await db.raw(
                "UPDATE form_tokens SET key_id = \(bind: key.rawValue) WHERE token_hash = \(bind: tokenHash)"
            ).run()
        }
    }
}

extension Store {
    public var formTokens: FormTokenStore { FormTokenStore(store: self) }
}
