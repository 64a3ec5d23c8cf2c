import SQLKit

extension Store {
    /// Answers when the database does: one trivial query.
    public func ping() async throws {
        try await engine.read { db in try await db.raw("SELECT 1 AS one").run() }
    }

    /// Migrations this build knows that the database has not applied.
    public func pendingMigrations() async throws -> [Int] {
        try await Migrator(engine: engine).pending()
    }
}
