import Logging
import NIOSSL
import PostgresKit
import PostgresNIO
import SQLKit

/// PostgreSQL through PostgresNIO's pooled client. Write transactions run on one leased connection
/// at READ COMMITTED; the store serialises money by locking the project row (`SELECT … FOR UPDATE`).
///
/// The client's `run()` must be running while the engine is used; ``Store/withStore(url:logger:_:)``
/// does that.
public final class PostgresEngine: DatabaseEngine {
    public let kind = EngineKind.postgres
    public let groupCommits = GroupCommits()
    let client: PostgresClient
    /// How long an operation waits for a connection: ``StoreError/unavailable(_:)`` when the database
    /// shows no sign of life for `patience.silence`, ``StoreError/busy(_:)`` past `patience.deadline`.
    let patience: ConnectionPatience
    private let activity = PoolActivity()
    private let probe: LivenessProbe
    /// Writers of one project wait for each other here, not on the row lock with a connection each.
    private let projectQueue = ProjectQueue()

    public init(
        location: DatabaseURL.PostgresLocation, maximumConnections: Int = 20,
        patience: ConnectionPatience = .standard, logger: Logger
    ) {
        self.patience = patience
        var probeLogger = logger
        probeLogger.logLevel = max(logger.logLevel, .error)
        self.probe = LivenessProbe(location: location, connectTimeout: patience.silence, logger: probeLogger)
        let tls: PostgresClient.Configuration.TLS
        switch location.sslMode {
        case "disable": tls = .disable
        case "require": tls = .require(.makeClientConfiguration())
        default: tls = .prefer(.makeClientConfiguration())
        }
        var configuration = PostgresClient.Configuration(
            host: location.host, port: location.port, username: location.username, password: location.password,
            database: location.database, tls: tls)
        configuration.options.maximumConnections = maximumConnections
        configuration.options.minimumConnections = 0
        // Refused connections fail at once whatever this is; a connection attempt that hangs is cut off here
        // (and the silence rule answers `unavailable` first when the whole pool is silent).
        configuration.options.connectTimeout = max(patience.silence, .seconds(5))
        // The pool's own chatter (e.g. a lease requested a moment before `run()` starts) is noise;
        // failures reach callers as thrown errors.
        var background = logger
        background.logLevel = max(logger.logLevel, .error)
        self.client = PostgresClient(configuration: configuration, backgroundLogger: background)
    }

    /// Serves the pool until the surrounding task is cancelled.
    public func run() async {
        await client.run()
    }

    public func read<R: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await withConnection { db in try await body(db) }
    }

    public func write<R: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await withConnection { db in
            try await db.raw("BEGIN").run()
            do {
                let result = try await body(db)
                try await db.raw("COMMIT").run()
                return result
            } catch {
                try? await db.raw("ROLLBACK").run()
                throw error
            }
        }
    }

    /// The project's writers queue in the process (no connection held while waiting), then one
    /// write transaction; the wait in the queue counts towards the same request deadline.
    public func write<R: Sendable>(
        queuedBehind key: String, _ body: @Sendable (any SQLDatabase) async throws -> R
    ) async throws -> R {
        try await projectQueue.withHeld(key, until: ContinuousClock.now + patience.deadline) {
            try await write(body)
        }
    }

    /// Queues behind every key's writers in sorted order (each wait within the same deadline), then
    /// one write transaction.
    public func write<R: Sendable>(
        queuedBehindAll keys: [String], _ body: @Sendable (any SQLDatabase) async throws -> R
    ) async throws -> R {
        let deadline = ContinuousClock.now + patience.deadline
        let queue = projectQueue
        @Sendable func holding(_ remaining: ArraySlice<String>) async throws -> R {
            guard let first = remaining.first else { return try await write(body) }
            return try await queue.withHeld(first, until: deadline) { try await holding(remaining.dropFirst()) }
        }
        return try await holding(Array(Set(keys)).sorted()[...])
    }

    /// A pooled connection within ``patience``, with connection-level failures reported as
    /// ``StoreError/unavailable(_:)``.
    private func withConnection<R: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        let client = self.client
        let activity = self.activity
        let probe = self.probe
        do {
            return try await withoutActuallyEscaping(body) { body in
                try await EngineFailures.withConnectionDeadline(
                    patience, activity: activity, answers: { await probe.answers() }
                ) { leased in
                    try await client.withConnection { connection in
                        activity.leased()
                        leased()
                        return try await body(connection.sql(queryLogLevel: nil))
                    }
                }
            }
        } catch {
            throw EngineFailures.translatePostgres(error)
        }
    }

    public func shutdown() async {}
}
