import OpubCore
import SQLKit

/// Projects: creation (unclaimed pages), lookup by id or name, balances.
public struct ProjectStore: Sendable {
    let store: Store

    /// Creates an unclaimed project page for `name`. Fails with ``StoreError/conflict(_:)`` when a
    /// project of that name (ignoring case) exists.
    public func create(_ name: RepositoryName, githubRepoID: Int64? = nil) async throws -> ProjectRecord {
        let id = ProjectID.random()
        let now = store.clock.now()
        do {
            return try await store.engine.write { db in
                try await db.raw(
                    """
                    INSERT INTO projects (id, github_repo_id, owner, repo, lookup_name, created_at)
                    VALUES (\(bind: id.rawValue), \(bind: githubRepoID), \(bind: name.owner), \(bind: name.repo),
                            \(bind: name.lookupKey), \(bind: now.microsSinceEpoch))
                    """
                ).run()
                try await ProjectNames.record(name, for: id, at: now, db: db)
                guard let row = try await db.raw("SELECT * FROM projects WHERE id = \(bind: id.rawValue)").first()
                else { throw StoreError.corrupt("project \(id) vanished after insert") }
                return try ProjectRecord(row: row)
            }
        } catch  where error.isUniqueViolation {
            throw StoreError.conflict("A project page for \(name) already exists.")
        }
    }

    public func find(_ id: ProjectID) async throws -> ProjectRecord? {
        try await store.engine.read { db in
            try await db.raw("SELECT * FROM projects WHERE id = \(bind: id.rawValue)").first().map(ProjectRecord.init)
        }
    }

    public func find(named name: RepositoryName) async throws -> ProjectRecord? {
        try await store.engine.read { db in
            try await db.raw("SELECT * FROM projects WHERE lookup_name = \(bind: name.lookupKey)").first()
                .map(ProjectRecord.init)
        }
    }

    /// Like ``find(named:)`` but throws a message a person can act on when there is no such project.
    public func require(named name: RepositoryName) async throws -> ProjectRecord {
        guard let project = try await find(named: name) else {
            throw StoreError.notFound(
                "No project page exists for \(name); create it with `opub-server admin project create \(name)`.")
        }
        return project
    }

    /// All projects, oldest first.
    public func all() async throws -> [ProjectRecord] {
        try await store.engine.read { db in
            try await db.raw("SELECT * FROM projects ORDER BY created_at, id").all().map(ProjectRecord.init)
        }
    }

    /// Available, held and reserved, as the project row keeps them.
    public func balances(_ id: ProjectID) async throws -> ProjectBalances {
        guard let record = try await find(id) else { throw StoreError.notFound("No project has the id \(id).") }
        return ProjectBalances(
            available: record.totals.available, held: record.totals.held, reserved: record.totals.reserved)
    }
}
