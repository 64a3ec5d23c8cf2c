import Synchronization

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
