import OpubCore
import OpubStore
import Synchronization

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
