import OpubCore
import SQLKit

/// Agent sessions: started, kept alive and ended by the CLI; ended by the sweeper when silent.
/// None of these writes moves money, so none takes a project lock; the reconciler reads sessions
/// under the lock when it decides whether spend is linked.
public struct AgentSessionStore: Sendable {
    let store: Store

    /// The outcome of `PUT /cli/sessions/{ls}`.
    public enum StartOutcome: Sendable, Equatable {
        case created(AgentSessionRecord)
        /// The same id was started before by the same key: nothing changes (the call is idempotent).
        case existing(AgentSessionRecord)
        /// The id is taken by a session of another key.
        case takenByAnotherKey
    }

    /// Starts session `id` on `key` at the store clock's now, or finds the one already started.
    public func start(_ id: SessionID, key: ComputeKeyRecord, _ start: AgentSessionStart) async throws -> StartOutcome {
        let now = store.clock.now().microsSinceEpoch
        return try await store.engine.write { db in
            let inserted = try await db.raw(
                """
                INSERT INTO agent_sessions (id, key_id, project_id, surface, surface_version, cli_version, os,
                    started_at, last_heartbeat_at)
                VALUES (\(bind: id.rawValue), \(bind: key.id.rawValue), \(bind: key.projectID.rawValue),
                    \(bind: start.surface), \(bind: start.surfaceVersion), \(bind: start.cliVersion), \(bind: start.os),
                    \(bind: now), \(bind: now))
                ON CONFLICT (id) DO NOTHING
                RETURNING id
                """
            ).first()
            guard let record = try await Self.find(id, db: db) else {
                throw StoreError.corrupt("agent session \(id) vanished")
            }
            if inserted != nil { return .created(record) }
            return record.keyID == key.id ? .existing(record) : .takenByAnotherKey
        }
    }

    public func find(_ id: SessionID) async throws -> AgentSessionRecord? {
        try await store.engine.read { db in try await Self.find(id, db: db) }
    }

    static func find(_ id: SessionID, db: any SQLDatabase) async throws -> AgentSessionRecord? {
        try await db.raw(
            """
            SELECT s.*, k.name AS key_name FROM agent_sessions s JOIN compute_keys k ON k.id = s.key_id
            WHERE s.id = \(bind: id.rawValue)
            """
        ).first().map(AgentSessionRecord.init)
    }

    /// Writes buffered heartbeats in one transaction: each open session's last heartbeat moves
    /// forward to its time (never back, never on an ended session).
    public func recordHeartbeats(_ heartbeats: [SessionID: Timestamp]) async throws {
        guard !heartbeats.isEmpty else { return }
        try await store.engine.write { db in
            for (session, time) in heartbeats.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
                try await db.raw(
                    """
                    UPDATE agent_sessions SET last_heartbeat_at = \(bind: time.microsSinceEpoch)
                    WHERE id = \(bind: session.rawValue) AND ended_at IS NULL
                    AND last_heartbeat_at < \(bind: time.microsSinceEpoch)
                    """
                ).run()
            }
        }
    }

    /// Ends an open session (`reason` as the CLI said it); ending an ended session changes nothing.
    /// Returns the session as it now is.
    @discardableResult
    public func end(_ id: SessionID, reason: String, exitCode: Int?) async throws -> AgentSessionRecord? {
        try await endReporting(id, reason: reason, exitCode: exitCode).session
    }

    /// ``end(_:reason:exitCode:)``, also saying whether this call is the one that ended the session
    /// (false for a replay, a concurrent end that came first, or a session the sweeper ended).
    public func endReporting(
        _ id: SessionID, reason: String, exitCode: Int?
    ) async throws -> (session: AgentSessionRecord?, endedNow: Bool) {
        let now = store.clock.now().microsSinceEpoch
        return try await store.engine.write { db in
            let changed = try await db.raw(
                """
                UPDATE agent_sessions SET ended_at = \(bind: now), last_heartbeat_at = \(bind: now),
                    end_reason = \(bind: reason), exit_code = \(bind: exitCode)
                WHERE id = \(bind: id.rawValue) AND ended_at IS NULL
                RETURNING id
                """
            ).all()
            return (try await Self.find(id, db: db), !changed.isEmpty)
        }
    }

    /// Ends every open session whose last heartbeat is older than `silentSince` with reason
    /// `timeout`. Its end is set to its last heartbeat plus `grace`, the moment linked-spend
    /// attribution already stopped counting it, so sweeping late never stretches a session.
    /// Returns the sessions it ended.
    public func endSilent(
        before silentSince: Timestamp, grace: Int64 = LinkedSpend.heartbeatGraceSeconds
    )
        async throws -> [AgentSessionRecord]
    {
        try await store.engine.write { db in
            let rows = try await db.raw(
                """
                UPDATE agent_sessions SET ended_at = last_heartbeat_at + \(bind: grace * 1_000_000), end_reason = 'timeout'
                WHERE ended_at IS NULL AND last_heartbeat_at < \(bind: silentSince.microsSinceEpoch)
                RETURNING id
                """
            ).all()
            var ended: [AgentSessionRecord] = []
            for row in rows {
                guard let id = SessionID(try row.decode(column: "id", as: String.self)),
                    let record = try await Self.find(id, db: db)
                else { continue }
                ended.append(record)
            }
            return ended
        }
    }

    /// A project's sessions, newest first, with their keys' names.
    public func page(
        of project: ProjectID, cursor: TimeCursor? = nil, limit: Int = 50
    ) async throws -> Page<
        AgentSessionRecord
    > {
        let limit = min(max(limit, 1), 100)
        return try await store.engine.read { db in
            var sql: SQLQueryString = """
                SELECT s.*, k.name AS key_name FROM agent_sessions s JOIN compute_keys k ON k.id = s.key_id
                WHERE s.project_id = \(bind: project.rawValue)
                """
            if let cursor {
                sql =
                    sql
                    + " AND (s.started_at < \(bind: cursor.time) OR (s.started_at = \(bind: cursor.time) AND s.id < \(bind: cursor.id)))"
            }
            sql = sql + " ORDER BY s.started_at DESC, s.id DESC LIMIT \(bind: limit + 1)"
            let rows = try await db.raw(sql).all()
            let items = try rows.prefix(limit).map(AgentSessionRecord.init)
            let next =
                rows.count > limit
                ? items.last.map {
                    TimeCursor(prefix: "s", time: $0.startedAt.microsSinceEpoch, id: $0.id.rawValue).encoded
                }
                : nil
            return Page(items: items, nextCursor: next)
        }
    }

    /// Per surface, the sessions a project started since `since`, how long they ran in total, and
    /// how many are running.
    public func surfaces(of project: ProjectID, since: Timestamp) async throws -> [SurfaceActivity] {
        let now = store.clock.now().microsSinceEpoch
        return try await store.engine.read { db in
            try await db.raw(
                """
                SELECT surface, CAST(COUNT(*) AS BIGINT) AS sessions,
                    CAST(SUM(COALESCE(ended_at, last_heartbeat_at) - started_at) / 1000000 AS BIGINT) AS seconds,
                    CAST(SUM(CASE WHEN ended_at IS NULL THEN 1 ELSE 0 END) AS BIGINT) AS running
                FROM agent_sessions
                WHERE project_id = \(bind: project.rawValue) AND started_at >= \(bind: since.microsSinceEpoch)
                    AND started_at <= \(bind: now)
                GROUP BY surface ORDER BY sessions DESC, surface
                """
            ).all().map { row in
                SurfaceActivity(
                    surface: try row.decode(column: "surface", as: String.self),
                    sessions: Int(try row.decode(column: "sessions", as: Int64.self)),
                    seconds: try row.decode(column: "seconds", as: Int64?.self) ?? 0,
                    running: Int(try row.decode(column: "running", as: Int64.self)))
            }
        }
    }

    /// Each key's most recently started session, for the maintainers' keys table.
    public func latestByKey(in project: ProjectID) async throws -> [KeyID: AgentSessionRecord] {
        try await store.engine.read { db in
            let rows = try await db.raw(
                """
                SELECT s.*, k.name AS key_name FROM agent_sessions s JOIN compute_keys k ON k.id = s.key_id
                WHERE s.project_id = \(bind: project.rawValue) AND NOT EXISTS (
                    SELECT 1 FROM agent_sessions later WHERE later.key_id = s.key_id
                    AND (later.started_at > s.started_at OR (later.started_at = s.started_at AND later.id > s.id)))
                """
            ).all()
            var result: [KeyID: AgentSessionRecord] = [:]
            for record in try rows.map(AgentSessionRecord.init) { result[record.keyID] = record }
            return result
        }
    }

    /// Sessions that have not ended, across all projects (a metric).
    public func openCount() async throws -> Int {
        try await store.engine.read { db in
            Int(
                try await db.raw("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM agent_sessions WHERE ended_at IS NULL")
                    .first()?.decode(column: "n", as: Int64.self) ?? 0)
        }
    }
}

/// One surface's sessions on a project's page.
public struct SurfaceActivity: Sendable, Hashable {
    public let surface: String
    public let sessions: Int
    public let seconds: Int64
    public let running: Int
}

extension Store {
    public var agentSessions: AgentSessionStore { AgentSessionStore(store: self) }
}
