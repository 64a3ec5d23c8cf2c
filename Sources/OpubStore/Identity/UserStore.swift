import OpubCore
import SQLKit

/// Users, keyed by GitHub numeric id.
public struct UserStore: Sendable {
    let store: Store

    /// Creates the user for `profile.githubID`, or refreshes its login, name and avatar (a GitHub
    /// user may rename themselves; the numeric id stays).
    public func upsert(_ profile: GitHubProfile) async throws -> UserRecord {
        let now = store.clock.now().microsSinceEpoch
        let newID = UserID.random()
        do {
            return try await upsertOnce(profile, newID: newID, now: now)
        } catch  where error.isUniqueViolation {
            // Two sign-ins of a new user raced; the other created the row.
            return try await upsertOnce(profile, newID: newID, now: now)
        }
    }

    private func upsertOnce(_ profile: GitHubProfile, newID: UserID, now: Int64) async throws -> UserRecord {
        try await store.engine.write { db in
            if try await db.raw("SELECT id FROM users WHERE github_id = \(bind: profile.githubID)").first() != nil {
                try await db.raw(
                    """
                    UPDATE users SET login = \(bind: profile.login), name = \(bind: profile.name),
                        avatar_url = \(bind: profile.avatarURL)
                    WHERE github_id = \(bind: profile.githubID)
                    """
                ).run()
            } else {
                try await db.raw(
                    """
                    INSERT INTO users (id, github_id, login, name, avatar_url, created_at)
                    VALUES (\(bind: newID.rawValue), \(bind: profile.githubID), \(bind: profile.login),
                        \(bind: profile.name), \(bind: profile.avatarURL), \(bind: now))
                    """
                ).run()
            }
            guard
                let row = try await db.raw("SELECT * FROM users WHERE github_id = \(bind: profile.githubID)").first()
            else { throw StoreError.corrupt("user \(profile.githubID) vanished after upsert") }
            return try UserRecord(row: row)
        }
    }

    public func find(_ id: UserID) async throws -> UserRecord? {
        try await store.engine.read { db in
            try await db.raw("SELECT * FROM users WHERE id = \(bind: id.rawValue)").first().map(UserRecord.init)
        }
    }

    public func find(githubID: Int64) async throws -> UserRecord? {
        try await store.engine.read { db in
            try await db.raw("SELECT * FROM users WHERE github_id = \(bind: githubID)").first().map(UserRecord.init)
        }
    }
}
