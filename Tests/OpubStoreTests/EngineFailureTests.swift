import Foundation
import Logging
import OpubStore
import OpubTestSupport
import SQLKit
import Synchronization
import Testing

/// A database that does not answer is reported as `StoreError.unavailable`, quickly, never as a
/// driver error or a hang.
@Suite("Engine failures")
struct EngineFailureTests {
    @Test("PostgreSQL that refuses connections answers unavailable within the connection wait")
    func postgresDown() async throws {
        // Port 1 on loopback: nothing listens there.
        let url = try DatabaseURL(parsing: "postgres://opub@127.0.0.1:1/opub?sslmode=disable")
        guard case .postgres(let location) = url else {
            Issue.record("not a PostgreSQL URL")
            return
        }
        let engine = PostgresEngine(
            location: location, patience: ConnectionPatience(silence: .milliseconds(500), deadline: .seconds(30)),
            logger: quietLogger())
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await engine.run() }
            let started = ContinuousClock.now
            await #expect(throws: StoreError.self) {
                try await engine.read { db in try await db.raw("SELECT 1").run() }
            }
            do {
                try await engine.write { db in try await db.raw("SELECT 1").run() }
                Issue.record("a write to a database that is down succeeded")
            } catch let error as StoreError {
                guard case .unavailable(let message) = error else {
                    Issue.record("expected unavailable, got \(error)")
                    return
                }
                #expect(message.contains("Try again"))
            }
            #expect(started.duration(to: .now) < .seconds(5))
            group.cancelAll()
        }
    }
}

/// Counts from many tasks.
final class Counter: Sendable {
    private let count = Mutex(0)
    func increment() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}

/// A PostgreSQL that answers but whose connections are all in use is busy, not down: callers wait
/// their turn (past the silence that would mean "down") and only past the request deadline get
/// `StoreError.busy`. A project's writers queue in the process, so a burst on one project leaves
/// connections for everyone else.
@Suite("Busy PostgreSQL pool", .enabled(if: TestEngine.available.contains(.postgres)))
struct BusyPoolTests {
    /// An engine on the test server's admin database with a tiny pool and short waits.
    func withEngine<R: Sendable>(
        connections: Int, _ patience: ConnectionPatience, _ body: @Sendable (PostgresEngine) async throws -> R
    ) async throws -> R {
        let url = try DatabaseURL(parsing: ProcessInfo.processInfo.environment["OPUB_TEST_POSTGRES_URL"] ?? "")
        guard case .postgres(let location) = url else { throw StoreError.notFound("not a PostgreSQL URL") }
        let engine = PostgresEngine(
            location: location, maximumConnections: connections, patience: patience, logger: quietLogger())
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await engine.run() }
            defer { group.cancelAll() }
            return try await body(engine)
        }
    }

    /// Starts `count` reads that each hold a connection for `seconds`, and returns once all hold one.
    func occupy(_ engine: PostgresEngine, count: Int, seconds: Double) async -> [Task<Void, any Error>] {
        let (started, signal) = AsyncStream<Void>.makeStream()
        let holders = (0..<count).map { _ in
            Task {
                try await engine.read { db in
                    signal.yield()
                    try await db.raw("SELECT pg_sleep(\(literal: seconds))").run()
                }
            }
        }
        var holding = 0
        for await _ in started {
            holding += 1
            if holding == count { break }
        }
        return holders
    }

    @Test("every connection in use past the deadline: busy, never unavailable")
    func busyPastDeadline() async throws {
        try await withEngine(connections: 2, ConnectionPatience(silence: .seconds(1), deadline: .seconds(3))) {
            engine in
            let holders = await occupy(engine, count: 2, seconds: 8)
            let started = ContinuousClock.now
            do {
                try await engine.read { db in try await db.raw("SELECT 1").run() }
                Issue.record("a read got a connection while both were held")
            } catch let error as StoreError {
                guard case .busy(let message) = error else {
                    Issue.record("expected busy, got \(error)")
                    return
                }
                #expect(message.contains("busy"))
            }
            let waited = started.duration(to: .now)
            #expect(waited >= .seconds(3) && waited < .seconds(8))
            for holder in holders { try await holder.value }
        }
    }

    @Test("a caller waits its turn longer than the silence that means down, and then runs")
    func waitsItsTurn() async throws {
        try await withEngine(connections: 2, ConnectionPatience(silence: .seconds(1), deadline: .seconds(30))) {
            engine in
            let holders = await occupy(engine, count: 2, seconds: 3)
            let answer = try await engine.read { db in
                try await db.raw("SELECT 1 AS one").first()?.decode(column: "one", as: Int.self)
            }
            #expect(answer == 1)
            for holder in holders { try await holder.value }
        }
    }

    @Test("a burst of 100 writers on one project queues in the process: a read of another project is not starved")
    func projectWritersQueue() async throws {
        let url = try await makeTestDatabase(.postgres)
        guard case .postgres(let location) = url else { return }
        let engine = PostgresEngine(
            location: location, maximumConnections: 3,
            patience: ConnectionPatience(silence: .seconds(5), deadline: .seconds(60)), logger: quietLogger())
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await engine.run() }
            defer { group.cancelAll() }
            let store = Store(engine: engine)
            try await store.migrate()
            let project = try await fundedProject(store, dollars: 100)
            let other = try await fundedProject(store, dollars: 1, name: "acme/other")
            let finished = Counter()
            let writers = Task {
                try await withThrowingTaskGroup(of: Void.self) { writers in
                    for _ in 0..<100 {
                        writers.addTask {
                            // Each writer holds the project's row lock for a while, as a slow transaction would.
                            try await store.withProjectLock(project.id) { _ in
                                try await Task.sleep(for: .milliseconds(20))
                            }
                            finished.increment()
                        }
                    }
                    try await writers.waitForAll()
                }
            }
            try await Task.sleep(for: .milliseconds(200))
            #expect(try await store.projects.find(other.id) != nil)
            // Without the queue the read waits behind every writer that leased a connection before it.
            let done = finished.value
            #expect(done < 50, "the read was answered only after \(done) of 100 writers")
            try await writers.value
        }
        try await dropTestDatabase(url)
    }
}

/// The SQLite file holds billing e-mails: it and its WAL are readable by the owner only.
@Suite("SQLite file modes")
struct SQLiteFileModeTests {
    @Test("a new database, its WAL and shared-memory files are 0600; an existing 0644 file is tightened")
    func modes() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("opub-mode-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("opub.sqlite").path
        @Sendable func mode(_ file: String) -> Int {
            ((try? FileManager.default.attributesOfItem(atPath: file))?[.posixPermissions] as? NSNumber)?.intValue
                ?? -1
        }
        try await Store.withStore(url: .sqlite(path: path), logger: quietLogger()) { store in
            try await store.migrate()
            #expect(mode(path) == 0o600)
            #expect(mode(path + "-wal") == 0o600)
            #expect(mode(path + "-shm") == 0o600)
        }
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        try await Store.withStore(url: .sqlite(path: path), logger: quietLogger()) { _ in
            #expect(mode(path) == 0o600)
        }
    }
}
