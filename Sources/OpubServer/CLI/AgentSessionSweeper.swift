import Logging
import Metrics
import OpubCore
import OpubStore
import ServiceLifecycle

/// Ends agent sessions that stopped heartbeating (`server.md`: no heartbeat for three intervals →
/// `reason: timeout`), every heartbeat interval, and publishes how many sessions are running.
public struct AgentSessionSweeper: Service {
    let store: Store
    let clock: any TimeSource
    let logger: Logger
    let metrics: any MetricsFactory
    let interval: Duration
    /// Heartbeats still in memory are written first, so that no live session looks silent.
    let heartbeats: HeartbeatBuffer?

    public init(
        store: Store, clock: any TimeSource, logger: Logger, metrics: any MetricsFactory = MetricsSystem.factory,
        heartbeats: HeartbeatBuffer? = nil, interval: Duration = .seconds(AgentSettings.heartbeatIntervalSeconds)
    ) {
        self.heartbeats = heartbeats
        self.store = store
        self.clock = clock
        self.logger = logger
        self.metrics = metrics
        self.interval = interval
    }

    public func run() async throws {
        await repeatUntilShutdown(every: interval) { await sweep() }
    }

    /// One pass; returns the sessions it ended.
    @discardableResult
    public func sweep() async -> [AgentSessionRecord] {
        do {
            try await heartbeats?.flush()
            let silentSince = clock.now().adding(seconds: -LinkedSpend.heartbeatGraceSeconds)
            let ended = try await store.agentSessions.endSilent(before: silentSince)
            if !ended.isEmpty { logger.info("ended silent agent sessions", metadata: ["count": "\(ended.count)"]) }
            Gauge(label: "opub_agent_sessions_open", factory: metrics).record(try await store.agentSessions.openCount())
            return ended
        } catch {
            logger.warning("agent session sweep failed", metadata: ["error": "\(error)"])
            return []
        }
    }
}
