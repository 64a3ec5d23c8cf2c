import OpubCore
import OpubStore

/// What the CLI routes remember between calls so that a heartbeat — the call every running session
/// makes every 30 seconds — costs no database round trip: the key a link-token verifier belongs to
/// and each session's key and end, for `ttl` (default 1 s).
///
/// Staleness is bounded by `ttl` and removed at once on this replica by ``forget(key:)`` (revokes) and
/// ``remember(_:)`` (session start and end): a key disabled on another replica stops heartbeats here
/// within `ttl`. Verification is unchanged: the presented token is still compared in constant time
/// with the stored verifier of the cached key row.
public final class CLIAuthCache: Sendable {
    private let keys: ExpiringCache<String, ComputeKeyRecord>
    private let sessions: ExpiringCache<SessionID, AgentSessionRecord>

    public init(ttl: Duration = .seconds(1), capacity: Int = 100_000) {
        keys = ExpiringCache(ttl: ttl, capacity: capacity)
        sessions = ExpiringCache(ttl: ttl, capacity: capacity)
    }

    func key(verifier: String, load: () async throws -> ComputeKeyRecord?) async throws -> ComputeKeyRecord? {
        try await keys.value(for: verifier, load: load)
    }

    func session(_ id: SessionID, load: () async throws -> AgentSessionRecord?) async throws -> AgentSessionRecord? {
        try await sessions.value(for: id, load: load)
    }

    /// Records a session as it now is (after start or end).
    func remember(_ session: AgentSessionRecord) {
        sessions.store(session, for: session.id)
    }

    /// Drops a key whose state changed (revoked here), so that its next call reads the database.
    public func forget(key: ComputeKeyRecord) {
        guard let verifier = key.linkTokenHash else { return }
        keys.remove(verifier)
    }
}
