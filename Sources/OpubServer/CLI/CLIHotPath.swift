import Logging
import OpubCore
import OpubStore
import ServiceLifecycle
import Synchronization

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

/// Values remembered for `ttl`, at most `capacity` of them (all dropped when full: the entries are
/// cheap to load again and live one second).
///
/// Loads are single-flight: when an entry expires under load, the first caller loads it and the others
/// that miss meanwhile wait for that one load instead of each reading the database (64 heartbeat
/// connections of one session would otherwise make 64 identical reads every `ttl`, which was the
/// heartbeat p99 on PostgreSQL).
final class ExpiringCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private struct Entry: Sendable {
        let value: Value
        let expires: ContinuousClock.Instant
    }

    private let ttl: Duration
    private let capacity: Int
    private let entries = Mutex<[Key: Entry]>([:])
    /// Keys being loaded, with the callers waiting for that load.
    private let loading = Mutex<[Key: [CheckedContinuation<Value?, any Error>]]>([:])

    init(ttl: Duration, capacity: Int) {
        self.ttl = ttl
        self.capacity = capacity
    }

    /// The live entry for `key`, or what `load` finds (remembered when found).
    func value(for key: Key, load: () async throws -> Value?) async throws -> Value? {
        if let hit = entries.withLock({ $0[key] }), hit.expires > .now { return hit.value }
        let leads = loading.withLock { loading in
            guard loading[key] == nil else { return false }
            loading[key] = []
            return true
        }
        guard leads else {
            return try await withCheckedThrowingContinuation { continuation in
                let joined = loading.withLock { loading in
                    guard loading[key] != nil else { return false }
                    loading[key]?.append(continuation)
                    return true
                }
                // The load finished in between: its result is in the cache (or there was none).
                if !joined { continuation.resume(returning: entries.withLock { $0[key] }?.value) }
            }
        }
        do {
            let loaded = try await load()
            if let loaded { store(loaded, for: key) }
            for waiter in loading.withLock({ $0.removeValue(forKey: key) ?? [] }) { waiter.resume(returning: loaded) }
            return loaded
        } catch {
            for waiter in loading.withLock({ $0.removeValue(forKey: key) ?? [] }) { waiter.resume(throwing: error) }
            throw error
        }
    }

    func store(_ value: Value, for key: Key) {
        let entry = Entry(value: value, expires: .now + ttl)
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[key] = entry
        }
    }

    func remove(_ key: Key) {
        _ = entries.withLock { $0.removeValue(forKey: key) }
    }
}

/// Heartbeats held in memory and written in one transaction per second, instead of one durable write
/// per call. A heartbeat is a liveness hint with a 90-second grace: losing the last second of them in
/// a crash changes nothing, while a durable write per call would cap heartbeats at the disk's fsync
/// rate. Writes only touch sessions that have not ended.
public final class HeartbeatBuffer: Sendable {
    let store: Store
    private let pending = Mutex<[SessionID: Timestamp]>([:])

    public init(store: Store) {
        self.store = store
    }

    func record(_ session: SessionID, at time: Timestamp) {
        pending.withLock { $0[session] = time }
    }

    /// Writes what is pending; returns how many sessions it touched. On failure the heartbeats are
    /// kept for the next flush.
    @discardableResult
    public func flush() async throws -> Int {
        let batch = pending.withLock { current -> [SessionID: Timestamp] in
            defer { current.removeAll(keepingCapacity: true) }
            return current
        }
        guard !batch.isEmpty else { return 0 }
        do {
            try await store.agentSessions.recordHeartbeats(batch)
        } catch {
            pending.withLock { current in
                for (session, time) in batch where (current[session] ?? time) <= time { current[session] = time }
            }
            throw error
        }
        return batch.count
    }
}

/// Flushes the ``HeartbeatBuffer`` every second, and once more at shutdown.
struct HeartbeatFlusher: Service {
    let buffer: HeartbeatBuffer
    let logger: Logger
    var interval: Duration = .seconds(1)

    func run() async throws {
        await repeatUntilShutdown(every: interval) { await flush() }
        await flush()
    }

    func flush() async {
        do {
            try await buffer.flush()
        } catch {
            logger.warning("writing heartbeats failed; kept for the next try", metadata: ["error": "\(error)"])
        }
    }
}
