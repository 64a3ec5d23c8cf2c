import Logging
import OpubCore
import SQLKit

/// Applies pending migrations in one write transaction, under a lock so that replicas starting at
/// the same time do not race: `pg_advisory_xact_lock` on PostgreSQL, `BEGIN IMMEDIATE` on SQLite.
public struct Migrator: Sendable {
    let engine: any DatabaseEngine
    let migrations: [Migration]

    /// An arbitrary constant that names opub's migration lock among advisory locks.
    static let advisoryLockID: Int64 = 0x6F70_7562_6D69_67

    public init(engine: any DatabaseEngine, migrations: [Migration] = Migration.all) {
        self.engine = engine
        self.migrations = migrations
    }

    /// Applies what is pending; returns the versions it applied (empty when already current).
    @discardableResult
    public func migrate(logger: Logger? = nil) async throws -> [Int] {
        let kind = engine.kind
        let migrations = self.migrations
        let done = try await engine.write { db in
            if kind == .postgres {
                try await db.raw("SELECT pg_advisory_xact_lock(\(bind: Self.advisoryLockID))").run()
            }
            try await db.raw(
                """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)
                """
            ).run()
            let applied = Set(
                try await db.raw("SELECT version FROM schema_migrations").all().map {
                    try $0.decode(column: "version", as: Int.self)
                })
            var done: [Int] = []
            for migration in migrations where !applied.contains(migration.version) {
                for statement in migration.statements(kind) {
                    try await db.raw(SQLQueryString(statement)).run()
                }
                try await migration.afterwards?(db, kind)
                try await db.raw(
                    """
                    INSERT INTO schema_migrations (version, name, applied_at)
                    VALUES (\(bind: migration.version), \(bind: migration.name), \(bind: Timestamp.now().microsSinceEpoch))
                    """
                ).run()
                logger?.info(
                    "applied migration", metadata: ["version": "\(migration.version)", "name": "\(migration.name)"])
                done.append(migration.version)
            }
            return done
        }
        if !done.isEmpty { try await engine.schemaDidChange() }
        return done
    }

    /// Versions known to this build that the database has not applied yet.
    public func pending() async throws -> [Int] {
        let known = migrations.map(\.version)
        let applied: Set<Int> = try await engine.read { db in
            let exists = try await Self.tableExists("schema_migrations", kind: engine.kind, db: db)
            guard exists else { return [] }
            return Set(
                try await db.raw("SELECT version FROM schema_migrations").all().map {
                    try $0.decode(column: "version", as: Int.self)
                })
        }
        return known.filter { !applied.contains($0) }
    }

    static func tableExists(_ name: String, kind: EngineKind, db: any SQLDatabase) async throws -> Bool {
        switch kind {
        case .sqlite:
            return try await db.raw("SELECT name FROM sqlite_master WHERE type = 'table' AND name = \(bind: name)")
                .first() != nil
        case .postgres:
            return try await db.raw("SELECT to_regclass(\(bind: name))::text AS name").first()
                .map { try $0.decodeNil(column: "name") == false } ?? false
        }
    }
}
