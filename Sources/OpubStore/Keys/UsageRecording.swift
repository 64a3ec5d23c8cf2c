import OpubCore
import SQLKit

/// A provider reading of a key's lifetime usage above what opub recorded: the spend it posts and the
/// interval that spend covers. `since` is the later of the key's previous usage reading (or its
/// creation) and the start of the reconcile cycle's interval.
struct UsageGrowth: Sendable {
    let key: ComputeKeyRecord
    let usage: Money
    let since: Timestamp

    /// Nil when `usage` is at or below what the key spent already: such a reading changes nothing.
    init?(_ key: ComputeKeyRecord, usage: Money, previousCycle: Timestamp?) {
        guard usage > key.spent else { return nil }
        self.key = key
        self.usage = usage
        var since = key.usageReadAt ?? key.createdAt
        if let previousCycle, previousCycle > since { since = previousCycle }
        self.since = since
    }

    var intent: LedgerIntent { .spend(key.id, amount: usage - key.spent) }
    /// The same reading is never posted twice.
    var idempotencyKey: String { "spend:\(key.id.rawValue):\(usage.micros)" }
    var memo: String { "Spend by key \(key.name)" }

    /// The session the spend over `(since, now]` is linked to (``LinkedSpend``), among the key's.
    func linkedSession(until now: Timestamp, among sessions: [SessionWindow]) -> SessionID? {
        LinkedSpend.session(coveringFrom: since, to: now, among: sessions)
    }
}

extension ProjectWrite {
    /// The agent sessions of `keys` that may cover spend over `(since, now]` — started before `now`, not
    /// ended by `since` — each with its latest provider trace in that interval. Keys whose own interval
    /// starts later than `since` may be given this wider window: ``LinkedSpend`` applies each key's
    /// bounds again (a session or trace outside them does not count).
    static func sessionWindows(
        of keys: [KeyID], since: Timestamp, until now: Timestamp, db: any SQLDatabase
    ) async throws -> [KeyID: [SessionWindow]] {
        var windows: [KeyID: [SessionWindow]] = [:]
        for chunk in keys.chunks(of: 500) {
            let rows = try await db.raw(
                """
                SELECT s.id, s.key_id, s.started_at, s.last_heartbeat_at, s.ended_at,
                    (SELECT MAX(t.occurred_at) FROM trace_usage t WHERE t.key_id = s.key_id AND t.session_id = s.id
                        AND t.occurred_at > \(bind: since.microsSinceEpoch) AND t.occurred_at <= \(bind: now.microsSinceEpoch)
                    ) AS traced_at
                FROM agent_sessions s
                WHERE s.key_id IN (\(binds: chunk.map(\.rawValue))) AND s.started_at < \(bind: now.microsSinceEpoch)
                AND (s.ended_at IS NULL OR s.ended_at > \(bind: since.microsSinceEpoch))
                """
            ).all()
            for row in rows {
                guard let session = SessionID(try row.decode(column: "id", as: String.self)),
                    let key = KeyID(try row.decode(column: "key_id", as: String.self))
                else { continue }
                windows[key, default: []].append(
                    SessionWindow(
                        id: session,
                        startedAt: Timestamp(microsSinceEpoch: try row.decode(column: "started_at", as: Int64.self)),
                        lastHeartbeatAt: Timestamp(
                            microsSinceEpoch: try row.decode(column: "last_heartbeat_at", as: Int64.self)),
                        endedAt: try row.decode(column: "ended_at", as: Int64?.self).map(
                            Timestamp.init(microsSinceEpoch:)),
                        tracedAt: try row.decode(column: "traced_at", as: Int64?.self).map(
                            Timestamp.init(microsSinceEpoch:))))
            }
        }
        return windows
    }
}

extension Store {
    /// Records the provider's lifetime usage of many keys in many projects — a reconcile cycle's spend —
    /// in **one** write transaction holding every project's lock, with a handful of multi-row statements
    /// whatever the number of keys (the projects' rows, the keys' rows, their sessions, the transactions,
    /// their postings, the keys' and projects' new balances). Each reading is still posted under the rules
    /// of ``ProjectWrite/recordUsage(_:usage:previousCycle:)``: growth only, the same idempotency key, the
    /// same linked session, hash-chained in its project in the order given.
    ///
    /// All or nothing: any failure (a key that is not its project's, a used idempotency key, a database
    /// error) rolls the whole write back and is thrown; the caller then records the projects one at a
    /// time, where a failing project fails alone. Returns the spend transactions posted, after the commit,
    /// and the records of their keys as they were read (before the spend).
    public func recordUsages(
        _ readings: [ProjectID: [(KeyID, Money)]], previousCycle: Timestamp?
    ) async throws -> (transactions: [LedgerTransaction], keys: [KeyID: ComputeKeyRecord]) {
        let ordered = readings.keys.sorted { $0.rawValue < $1.rawValue }
        guard !ordered.isEmpty else { return ([], [:]) }
        let (kind, clock) = (engine.kind, self.clock)
        return try await engine.write(queuedBehindAll: ordered.map(\.rawValue)) { db in
            let writes = try await Self.lockedTogether(ordered, db: db, kind: kind, clock: clock)
            let ids = ordered.flatMap { (readings[$0] ?? []).map(\.0.rawValue) }
            var keys: [KeyID: ComputeKeyRecord] = [:]
            for row in try await db.rows(of: "compute_keys", ids: ids) {
                let key = try ComputeKeyRecord(row: row)
                keys[key.id] = key
            }
            var growths: [(ProjectWrite, UsageGrowth)] = []
            for write in writes {
                for (id, usage) in readings[write.project.id] ?? [] {
                    guard let key = keys[id], key.projectID == write.project.id else {
                        throw LedgerStoreError.unknownKey(id)
                    }
                    if let growth = UsageGrowth(key, usage: usage, previousCycle: previousCycle) {
                        growths.append((write, growth))
                    }
                }
            }
            guard let earliest = growths.map(\.1.since).min() else { return ([], [:]) }
            let now = clock.now()
            let sessions = try await ProjectWrite.sessionWindows(
                of: growths.map(\.1.key.id), since: earliest, until: now, db: db)
            var transactions: [LedgerTransaction] = []
            var changes: [KeyBalanceChange] = []
            for (write, growth) in growths {
                var chain = write.position.current
                let (transaction, after) = try chain.next(
                    growth.intent, project: write.project.id, keyReserved: growth.key.reserved, donationHeld: .zero,
                    idempotencyKey: growth.idempotencyKey, memo: growth.memo,
                    session: growth.linkedSession(until: now, among: sessions[growth.key.id] ?? []), at: now)
                write.position.update(chain)
                transactions.append(transaction)
                changes.append(KeyBalanceChange(growth.key.id, by: transaction, reserved: after.keyReserved))
            }
            try await LedgerRows.insertAll(transactions, db: db)
            try await LedgerRows.update(changes, db: db)
            try await ProjectWrite.flush(writes, db: db)
            return (transactions, keys)
        }
    }
}
