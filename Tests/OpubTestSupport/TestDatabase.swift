import Foundation
import Logging
import OpubCore
import OpubStore
import SQLKit

/// The databases store tests run on: SQLite always, PostgreSQL whenever `OPUB_TEST_POSTGRES_URL`
/// names a server (scripts/test starts a throwaway one).
public enum TestEngine: String, Sendable, CaseIterable, CustomStringConvertible {
    case sqlite
    case postgres

    /// The engines available in this run.
    public static var available: [TestEngine] {
        postgresAdminURL == nil ? [.sqlite] : [.sqlite, .postgres]
    }

    static var postgresAdminURL: String? {
        ProcessInfo.processInfo.environment["OPUB_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    public var description: String { rawValue }
}

/// Logs only errors, so test output stays readable.
public func quietLogger() -> Logger {
    var logger = Logger(label: "opub-test")
    logger.logLevel = .error
    return logger
}

/// A fresh, migrated database for one test: a SQLite file in a new temporary directory, or a new
/// PostgreSQL database created on the test server and dropped afterwards.
public func withTestStore<R: Sendable>(
    _ engine: TestEngine, clock: any TimeSource = SystemTimeSource(),
    _ body: @Sendable (Store, DatabaseURL) async throws -> R
) async throws -> R {
    let url = try await makeTestDatabase(engine)
    do {
        let result = try await Store.withStore(url: url, logger: quietLogger(), clock: clock) { store in
            try await store.migrate()
            return try await body(store, url)
        }
        try await dropTestDatabase(url)
        return result
    } catch {
        try? await dropTestDatabase(url)
        throw error
    }
}

/// Creates an empty database and returns its URL (not migrated).
public func makeTestDatabase(_ engine: TestEngine) async throws -> DatabaseURL {
    switch engine {
    case .sqlite:
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("opub-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return .sqlite(path: directory.appendingPathComponent("opub.sqlite").path)
    case .postgres:
        guard let admin = TestEngine.postgresAdminURL else {
            throw StoreError.notFound("OPUB_TEST_POSTGRES_URL is not set")
        }
        let adminURL = try DatabaseURL(parsing: admin)
        guard case .postgres(var location) = adminURL else {
            throw StoreError.notFound("OPUB_TEST_POSTGRES_URL is not postgres")
        }
        let name = "opub_t_" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
        try await Store.withStore(url: adminURL, logger: quietLogger()) { store in
            try await store.engine.read { db in try await db.raw("CREATE DATABASE \(ident: name)").run() }
        }
        location.database = name
        return .postgres(location)
    }
}

/// Removes a database made by ``makeTestDatabase(_:)``.
public func dropTestDatabase(_ url: DatabaseURL) async throws {
    switch url {
    case .sqlite(let path):
        try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent)
    case .sqliteMemory:
        break
    case .postgres(let location):
        guard let admin = TestEngine.postgresAdminURL else { return }
        try await Store.withStore(url: try DatabaseURL(parsing: admin), logger: quietLogger()) { store in
            try await store.engine.read { db in
                try await db.raw("DROP DATABASE IF EXISTS \(ident: location.database) WITH (FORCE)").run()
            }
        }
    }
}

/// A clock tests move by hand.
public final class ManualClock: TimeSource, @unchecked Sendable {
    // @unchecked: every access to `current` goes through `lock`.
    private let lock = NSLock()
    private var current: Timestamp

    public init(_ start: Timestamp = Timestamp(microsSinceEpoch: 1_800_000_000_000_000)) { current = start }

    public func now() -> Timestamp {
        lock.lock()
        defer { lock.unlock() }
        return current
    }

    public func advance(seconds: Int64) {
        lock.lock()
        current = current.adding(seconds: seconds)
        lock.unlock()
    }
}
