import Logging
import OpubStore
import OpubTestSupport
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
        let engine = PostgresEngine(location: location, connectionWait: .milliseconds(500), logger: quietLogger())
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
