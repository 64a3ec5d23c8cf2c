/// An agent session as linked-spend attribution sees it.
public struct SessionWindow: Sendable, Hashable {
    public let id: SessionID
    public let startedAt: Timestamp
    public let lastHeartbeatAt: Timestamp
    public let endedAt: Timestamp?
    /// The latest request of this session inside the interval being attributed, as the provider's
    /// traces report it (the request carried this session's id on this key); nil when none did.
    public let tracedAt: Timestamp?

    public init(
        id: SessionID, startedAt: Timestamp, lastHeartbeatAt: Timestamp, endedAt: Timestamp?,
        tracedAt: Timestamp? = nil
    ) {
        self.id = id
        self.startedAt = startedAt
        self.lastHeartbeatAt = lastHeartbeatAt
        self.endedAt = endedAt
        self.tracedAt = tracedAt
    }
}

/// Which spend counts as **linked** (`money.md`, "Linked spend").
public enum LinkedSpend {
    /// How long after its last heartbeat a session that did not end still counts as running: three
    /// heartbeat intervals, the same silence after which the sweeper ends it.
    public static let heartbeatGraceSeconds: Int64 = 90

    /// The session that makes spend recorded over `(from, to]` linked.
    ///
    /// Exact first: a session the provider's traces name for a request of this key inside the interval
    /// (the request carried the session's id) links the spend, whatever the times say; the one with the
    /// latest such request wins. Otherwise by overlap: one of the key's sessions that started before
    /// `to` and had not finished by `from` — finished meaning ended, or, for a session that never ended,
    /// its last heartbeat plus the grace. The most recently started wins when several overlap. Nil when
    /// none did: the spend is unlinked.
    public static func session(
        coveringFrom from: Timestamp, to: Timestamp, among sessions: [SessionWindow],
        grace: Int64 = heartbeatGraceSeconds
    ) -> SessionID? {
        let traced = sessions.compactMap { session in
            session.tracedAt.flatMap { $0 > from && $0 <= to ? ($0, session.id) : nil }
        }
        if let exact = traced.max(by: { ($0.0, $0.1.rawValue) < ($1.0, $1.1.rawValue) }) { return exact.1 }
        return sessions.filter { session in
            let finished = session.endedAt ?? session.lastHeartbeatAt.adding(seconds: grace)
            return session.startedAt < to && finished > from
        }.max { ($0.startedAt, $0.id.rawValue) < ($1.startedAt, $1.id.rawValue) }?.id
    }
}
