import Logging
import OpubCore
import SQLKit

/// opub's persistence: one engine (SQLite or PostgreSQL) and the repositories over it.
///
/// Every write that moves money goes through ``withProjectLock(_:_:)`` (or ``LedgerStore/post(_:to:idempotencyKey:memo:session:)``,
/// which uses it): one write transaction that first locks the project's row, so that all of a
/// project's money changes are serialised on both engines.
public struct Store: Sendable {
    public let engine: any DatabaseEngine
    public let clock: any TimeSource
    /// How long a completed donation is held before it becomes available (`OPUB_DONATION_HOLD`).
    public var donationHold: DonationHold

    public init(
        engine: any DatabaseEngine, clock: any TimeSource = SystemTimeSource(), donationHold: DonationHold = .none
    ) {
        self.engine = engine
        self.clock = clock
        self.donationHold = donationHold
    }

    /// This store with completed donations held for `hold`.
    public func holding(donations hold: DonationHold) -> Store {
        var copy = self
        copy.donationHold = hold
        return copy
    }

    /// Opens the database at `url`, runs `body`, and closes it again. On PostgreSQL the connection pool
    /// runs in a child task for exactly as long as `body`.
    public static func withStore<R: Sendable>(
        url: DatabaseURL, logger: Logger, clock: any TimeSource = SystemTimeSource(),
        _ body: @Sendable (Store) async throws -> R
    ) async throws -> R {
        switch url {
        case .sqlite(let path):
            let engine = try await SQLiteEngine.open(path: path, logger: logger)
            return try await run(engine, clock: clock, body)
        case .sqliteMemory:
            let engine = try await SQLiteEngine.open(path: nil, logger: logger)
            return try await run(engine, clock: clock, body)
        case .postgres(let location):
            let engine = PostgresEngine(location: location, logger: logger)
            return try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await engine.run() }
                defer { group.cancelAll() }
                return try await body(Store(engine: engine, clock: clock))
            }
        }
    }

    private static func run<R: Sendable>(
        _ engine: SQLiteEngine, clock: any TimeSource, _ body: @Sendable (Store) async throws -> R
    ) async throws -> R {
        do {
            let result = try await body(Store(engine: engine, clock: clock))
            await engine.shutdown()
            return result
        } catch {
            await engine.shutdown()
            throw error
        }
    }

    /// Applies pending migrations.
    @discardableResult
    public func migrate(logger: Logger? = nil) async throws -> [Int] {
        try await Migrator(engine: engine).migrate(logger: logger)
    }

    /// Runs `body` in one write transaction holding `project`'s lock (`SELECT … FOR UPDATE` on
    /// PostgreSQL; SQLite's `BEGIN IMMEDIATE` already excludes every other writer). Everything `body`
    /// writes commits together or not at all. On PostgreSQL, writers of the same project first queue in
    /// the process (``DatabaseEngine/write(queuedBehind:_:)``), so waiting for the row lock never holds
    /// a pooled connection idle.
    public func withProjectLock<R: Sendable>(
        _ project: ProjectID, _ body: @Sendable (ProjectWrite) async throws -> R
    ) async throws -> R {
        let (kind, clock) = (engine.kind, self.clock)
        return try await engine.write(queuedBehind: project.rawValue) { db in
            try await Self.locked(project, db: db, kind: kind, clock: clock, body)
        }
    }

    /// Inside a write transaction: locks `project`'s row, runs `body` on it and writes back what its
    /// posts changed (``ProjectWrite/flush()``).
    private static func locked<R: Sendable>(
        _ project: ProjectID, db: any SQLDatabase, kind: EngineKind, clock: any TimeSource,
        _ body: @Sendable (ProjectWrite) async throws -> R
    ) async throws -> R {
        let write = try await lockedTogether([project], db: db, kind: kind, clock: clock)[0]
        let result = try await body(write)
        try await write.flush()
        return result
    }

    /// Inside a write transaction: locks the rows of `projects` (given in id order; one statement per 500,
    /// rows locked in that order on PostgreSQL) and returns a write for each, in the same order.
    static func lockedTogether(
        _ projects: [ProjectID], db: any SQLDatabase, kind: EngineKind, clock: any TimeSource
    ) async throws -> [ProjectWrite] {
        let lockClause = kind == .postgres ? #" ORDER BY id COLLATE "C" FOR UPDATE"# : ""
        var writes: [ProjectID: ProjectWrite] = [:]
        for row in try await db.rows(of: "projects", ids: projects.map(\.rawValue), suffix: lockClause) {
            let record = try ProjectRecord(row: row)
            writes[record.id] = ProjectWrite(db: db, kind: kind, clock: clock, project: record)
        }
        return try projects.map { project in
            guard let write = writes[project] else { throw StoreError.notFound("No project has the id \(project).") }
            return write
        }
    }

    /// Runs `body` once for each of `projects` inside **one** write transaction — one durable commit
    /// for all of them (group commit) — each holding its project's lock like ``withProjectLock(_:_:)``
    /// (on PostgreSQL the rows are locked in id order, after this process's queued writers of each).
    /// Each project's part runs in its own savepoint: a project whose body throws is rolled back
    /// alone and its error is returned, the others commit. An error for which `abortsAll` is true
    /// (a simulated crash, a cancellation) rolls back everything and is thrown. An answer is
    /// returned only after the commit, so nothing is reported done that could still be lost.
    public func withProjectLocks<R: Sendable>(
        _ projects: [ProjectID], abortsAll: @escaping @Sendable (any Error) -> Bool = { $0 is CancellationError },
        _ body: @Sendable (ProjectWrite) async throws -> R
    ) async throws -> [ProjectID: Result<R, any Error>] {
        let (kind, clock) = (engine.kind, self.clock)
        let ordered = Array(Set(projects)).sorted { $0.rawValue < $1.rawValue }
        return try await engine.write(queuedBehindAll: ordered.map(\.rawValue)) { db in
            var results: [ProjectID: Result<R, any Error>] = [:]
            for (index, project) in ordered.enumerated() {
                let savepoint = "project_\(index)"
                try await db.raw("SAVEPOINT \(unsafeRaw: savepoint)").run()
                do {
                    let result = try await Self.locked(project, db: db, kind: kind, clock: clock, body)
                    try await db.raw("RELEASE SAVEPOINT \(unsafeRaw: savepoint)").run()
                    results[project] = .success(result)
                } catch {
                    if abortsAll(error) { throw error }
                    try await db.raw("ROLLBACK TO SAVEPOINT \(unsafeRaw: savepoint)").run()
                    try await db.raw("RELEASE SAVEPOINT \(unsafeRaw: savepoint)").run()
                    results[project] = .failure(error)
                }
            }
            return results
        }
    }

    public var ledger: LedgerStore { LedgerStore(store: self) }
    public var projects: ProjectStore { ProjectStore(store: self) }
    public var keys: KeyStore { KeyStore(store: self) }
    public var donations: DonationStore { DonationStore(store: self) }
    public var users: UserStore { UserStore(store: self) }
    public var sessions: WebSessionStore { WebSessionStore(store: self) }
    public var oauthAttempts: OAuthAttemptStore { OAuthAttemptStore(store: self) }
}
