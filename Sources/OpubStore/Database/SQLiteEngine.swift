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
    private let writer: SQLiteConnection
    private let readers: [SQLiteConnection]
    private let nextReader = Atomic<Int>(0)
    private let gate = SerialGate()

    public static func open(path: String?, readers readerCount: Int = 4, logger: Logger) async throws -> SQLiteEngine {
        // A memory database lives in one connection, so it has no separate readers.
        let storage: SQLiteConnection.Storage = path.map { .file(path: $0) } ?? .memory
        let writer = try await SQLiteConnection.open(storage: storage, logger: logger)
        try await configure(writer, isMemory: path == nil)
        var readers: [SQLiteConnection] = []
        for _ in 0..<(path == nil ? 0 : readerCount) {
            let reader = try await SQLiteConnection.open(storage: storage, logger: logger)
            try await configure(reader, isMemory: path == nil)
            readers.append(reader)
        }
        return SQLiteEngine(writer: writer, readers: readers)
    }

    private init(writer: SQLiteConnection, readers: [SQLiteConnection]) {
        self.writer = writer
        self.readers = readers
    }

    private static func configure(_ connection: SQLiteConnection, isMemory: Bool) async throws {
        let db = connection.sql(queryLogLevel: nil)
        if !isMemory {
            try await db.raw("PRAGMA journal_mode = WAL").run()
        }
        try await db.raw("PRAGMA busy_timeout = 5000").run()
        try await db.raw("PRAGMA synchronous = FULL").run()
        try await db.raw("PRAGMA foreign_keys = ON").run()
    }

    public func read<R: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        if readers.isEmpty {
            let db = writer.sql(queryLogLevel: nil)
            return try await gate.withHeld { try await body(db) }
        }
        let index = nextReader.wrappingAdd(1, ordering: .relaxed).oldValue
        return try await body(readers[index % readers.count].sql(queryLogLevel: nil))
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
                throw error
            }
        }
    }

    public func shutdown() async {
        for reader in readers { try? await reader.close() }
        try? await writer.close()
    }
}
