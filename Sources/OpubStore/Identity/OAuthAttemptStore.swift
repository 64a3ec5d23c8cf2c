import OpubCore
import SQLKit

/// A GitHub sign-in in progress: the PKCE verifier (sealed) and where to go afterwards, found by
/// the SHA-256 of the OAuth `state`.
public struct OAuthAttempt: Sendable, Hashable {
    public let sealedVerifier: String
    public let returnTo: String
    public let createdAt: Timestamp
}

/// Sign-in attempts; each is used at most once.
public struct OAuthAttemptStore: Sendable {
    let store: Store

    public func create(stateHash: String, sealedVerifier: String, returnTo: String) async throws {
        let now = store.clock.now().microsSinceEpoch
        try await store.engine.write { db in
            try await db.raw(
                """
                INSERT INTO oauth_attempts (state_hash, verifier_sealed, return_to, created_at)
                VALUES (\(bind: stateHash), \(bind: sealedVerifier), \(bind: returnTo), \(bind: now))
                """
            ).run()
        }
    }

    /// Removes and returns the attempt for `stateHash`: a second callback with the same state finds nothing.
    public func take(stateHash: String) async throws -> OAuthAttempt? {
        try await store.engine.write { db in
            guard
                let row = try await db.raw("SELECT * FROM oauth_attempts WHERE state_hash = \(bind: stateHash)")
                    .first()
            else { return nil }
            try await db.raw("DELETE FROM oauth_attempts WHERE state_hash = \(bind: stateHash)").run()
            return OAuthAttempt(
                sealedVerifier: try row.decode(column: "verifier_sealed", as: String.self),
                returnTo: try row.decode(column: "return_to", as: String.self),
                createdAt: Timestamp(microsSinceEpoch: try row.decode(column: "created_at", as: Int64.self)))
        }
    }

    /// Forgets attempts started before `cutoff` (abandoned sign-ins).
    public func deleteStale(before cutoff: Timestamp) async throws {
        try await store.engine.write { db in
            try await db.raw("DELETE FROM oauth_attempts WHERE created_at < \(bind: cutoff.microsSinceEpoch)").run()
        }
    }
}
