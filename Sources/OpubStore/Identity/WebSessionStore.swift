import OpubCore
import SQLKit

/// A browser session as stored: found by the SHA-256 of its id, never by the id itself.
public struct WebSessionRecord: Sendable, Hashable {
    public let idHash: String
    public let userID: UserID
    /// The user's GitHub token, sealed (AES-GCM) by the server; nil for sandbox sessions.
    public let sealedGitHubToken: String?
    public let createdAt: Timestamp
    public let lastSeenAt: Timestamp

    init(row: any SQLRow) throws {
        self.idHash = try row.decode(column: "id_hash", as: String.self)
        let user = try row.decode(column: "user_id", as: String.self)
        guard let userID = UserID(user) else { throw StoreError.corrupt("session of malformed user '\(user)'") }
        self.userID = userID
        self.sealedGitHubToken = try row.decode(column: "github_token_sealed", as: String?.self)
        self.createdAt = Timestamp(microsSinceEpoch: try row.decode(column: "created_at", as: Int64.self))
        self.lastSeenAt = Timestamp(microsSinceEpoch: try row.decode(column: "last_seen_at", as: Int64.self))
    }
}

/// Server-side browser sessions.
public struct WebSessionStore: Sendable {
    let store: Store

    public func create(idHash: String, user: UserID, sealedGitHubToken: String?) async throws {
        let now = store.clock.now().microsSinceEpoch
        try await store.engine.write { db in
            try await db.raw(
                """
                INSERT INTO web_sessions (id_hash, user_id, github_token_sealed, created_at, last_seen_at)
                VALUES (\(bind: idHash), \(bind: user.rawValue), \(bind: sealedGitHubToken), \(bind: now), \(bind: now))
                """
            ).run()
        }
    }

    /// The user's most recently used session that holds a GitHub token, seen at or after `since`.
    public func newestWithGitHubToken(of user: UserID, seenSince since: Timestamp) async throws -> WebSessionRecord? {
        try await store.engine.read { db in
            try await db.raw(
                """
                SELECT * FROM web_sessions
                WHERE user_id = \(bind: user.rawValue) AND github_token_sealed IS NOT NULL
                AND last_seen_at >= \(bind: since.microsSinceEpoch)
                ORDER BY last_seen_at DESC LIMIT 1
                """
            ).first().map(WebSessionRecord.init)
        }
    }

    public func find(idHash: String) async throws -> WebSessionRecord? {
        try await store.engine.read { db in
            try await db.raw("SELECT * FROM web_sessions WHERE id_hash = \(bind: idHash)").first()
                .map(WebSessionRecord.init)
        }
    }

    /// Records activity, which pushes the idle expiry back.
    public func touch(idHash: String, at time: Timestamp) async throws {
        try await store.engine.write { db in
            try await db.raw(
                "UPDATE web_sessions SET last_seen_at = \(bind: time.microsSinceEpoch) WHERE id_hash = \(bind: idHash)"
            ).run()
        }
    }

    public func delete(idHash: String) async throws {
        try await store.engine.write { db in
            try await db.raw("DELETE FROM web_sessions WHERE id_hash = \(bind: idHash)").run()
        }
    }

    /// Removes sessions idle since before `cutoff`; returns how many.
    @discardableResult
    public func deleteIdle(before cutoff: Timestamp) async throws -> Int {
        try await store.engine.write { db in
            let count =
                try await db.raw(
                    "SELECT COUNT(*) AS n FROM web_sessions WHERE last_seen_at < \(bind: cutoff.microsSinceEpoch)"
                ).first()?.decode(column: "n", as: Int.self) ?? 0
            try await db.raw("DELETE FROM web_sessions WHERE last_seen_at < \(bind: cutoff.microsSinceEpoch)").run()
            return count
        }
    }
}
