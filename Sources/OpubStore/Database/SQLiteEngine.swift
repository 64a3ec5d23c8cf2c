import Foundation
import Logging
import NIOCore
import NIOPosix
import SQLKit
import SQLiteKit
import SQLiteNIO
import Synchronization

/// SQLite in WAL mode: one writer connection whose transactions start with `BEGIN IMMEDIATE`
/// (taking SQLite's write lock up front, so a transaction never fails half-way on a lock upgrade),
/// and a few reader connections that see the last committed state while a write is in progress.
///
/// `synchronous = FULL`: a committed transaction survives power loss, which money needs.
/// `busy_timeout = 5 s`: another process (an admin command beside the server) waits instead of failing.
public final class SQLiteEngine: DatabaseEngine {
    public let kind = EngineKind.sqlite
    public let groupCommits = GroupCommits()
    private let writer: SQLiteConnection
    private let readers: [SQLiteConnection]
    /// Each reader serves one read at a time (see ``CheckoutPool``).
    private let readerPool: CheckoutPool<SQLiteConnection>?
    private let gate = SerialGate()
    private let threads: NIOThreadPool

    public static func open(path: String?, readers readerCount: Int = 4, logger: Logger) async throws -> SQLiteEngine {
        // A memory database lives in one connection, so it has no separate readers.
        let storage: SQLiteConnection.Storage = path.map { .file(path: $0) } ?? .memory
        if let path { try restrictToOwner(path) }
        // Each engine has its own threads for SQLite's blocking calls: a connection sleeping in the busy
        // handler (another writer holds the lock) must never starve the connection that holds it.
        let threads = NIOThreadPool(numberOfThreads: readerCount + 2)
        threads.start()
        var opened: [SQLiteConnection] = []
        do {
            for _ in 0...(path == nil ? 0 : readerCount) {
                let connection = try await SQLiteConnection.open(
                    storage: storage, threadPool: threads, logger: logger,
                    on: MultiThreadedEventLoopGroup.singleton.any())
                opened.append(connection)
                let isReader = !opened.isEmpty
                try await retryingWhileBusy {
                    try await configure(connection, isMemory: path == nil, isReader: isReader)
                }
            }
        } catch {
            await closeAll(opened, threads: threads)
            throw error
        }
        return SQLiteEngine(writer: opened[0], readers: Array(opened.dropFirst()), threads: threads)
    }

    private init(writer: SQLiteConnection, readers: [SQLiteConnection], threads: NIOThreadPool) {
        self.writer = writer
        self.readers = readers
        self.readerPool = readers.isEmpty ? nil : CheckoutPool(readers)
        self.threads = threads
    }

    /// The database holds billing e-mails: its file is created (or tightened to) 0600 before SQLite opens
    /// it, and SQLite gives its `-wal` and `-shm` files the database file's permissions.
    static func restrictToOwner(_ path: String) throws {
        let files = FileManager.default
        if !files.fileExists(atPath: path) {
            guard files.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
                throw StoreError.unavailable(
                    "The SQLite database \(path) cannot be created; check the folder exists and is writable.")
            }
            return
        }
        for file in [path, path + "-wal", path + "-shm"] where files.fileExists(atPath: file) {
            try? files.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file)
        }
    }

    /// Runs `body` again while SQLite answers "busy" without waiting in its busy handler, which it does
    /// for a few moments of a fresh file (another process switching it to WAL or recovering its WAL),
    /// for up to the same 5 seconds the busy handler would wait.
    private static func retryingWhileBusy(_ body: () async throws -> Void) async throws {
        let deadline = ContinuousClock.now + .seconds(5)
        while true {
            do {
                return try await body()
            } catch  where "\(error)".contains("busy") && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
        }
    }

    /// A reader's page cache is 512 KiB instead of SQLite's 2 MiB: reads of pages it does not hold come
    /// from the operating system's file cache, and four readers' full caches were 8 MiB of the server's
    /// resident memory. The writer keeps the default, which holds a busy write's working set.
    private static func configure(_ connection: SQLiteConnection, isMemory: Bool, isReader: Bool) async throws {
        let db = connection.sql(queryLogLevel: nil)
        try await db.raw("PRAGMA busy_timeout = 5000").run()
        if isReader { try await db.raw("PRAGMA cache_size = -512").run() }
        if !isMemory {
            try await db.raw("PRAGMA journal_mode = WAL").run()
        }
        try await db.raw("PRAGMA synchronous = FULL").run()
        try await db.raw("PRAGMA foreign_keys = ON").run()
    }

    public func read<R: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        guard let readerPool else {
            let db = writer.sql(queryLogLevel: nil)
            return try await gate.withHeld { try await body(db) }
        }
        return try await readerPool.withValue { connection in try await body(connection.sql(queryLogLevel: nil)) }
    }

    /// SQLiteNIO takes a statement's column names when it prepares it, and a reader prepares against
    /// the schema it last loaded; SQLite notices another connection's migration only when the
    /// statement steps. A reader's first `SELECT *` after a migration would then lack the new columns.
    /// Stepping one statement on each reader makes it load the current schema first.
    public func schemaDidChange() async throws {
        for reader in readers {
            try await reader.sql(queryLogLevel: nil).raw("SELECT count(*) AS n FROM sqlite_master").run()
        }
    }

    public func write<R: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        let db = writer.sql(queryLogLevel: nil)
        return try await gate.withHeld {
            try await db.raw("BEGIN IMMEDIATE").run()
            do {
                let result = try await body(db)
                try await db.raw("COMMIT").run()
                return result
            } catch {
                try? await db.raw("ROLLBACK").run()
                throw EngineFailures.translateSQLite(error)
            }
        }
    }

    public func shutdown() async {
        await Self.closeAll(readers + [writer], threads: threads)
    }

    /// Closes connections even from a cancelled task (the future-returning `close` is not
    /// cancellable), then stops the engine's threads.
    private static func closeAll(_ connections: [SQLiteConnection], threads: NIOThreadPool) async {
        for connection in connections {
            let closed: EventLoopFuture<Void> = connection.close()
            try? await closed.get()
        }
        try? await threads.shutdownGracefully()
    }
}
