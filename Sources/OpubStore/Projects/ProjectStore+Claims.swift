import OpubCore
import SQLKit

extension ProjectStore {
    /// Finds the project `name` names now, or named before a rename.
    public func resolve(_ name: RepositoryName) async throws -> ResolvedProject? {
        try await store.engine.read { db in
            if let row = try await db.raw("SELECT * FROM projects WHERE lookup_name = \(bind: name.lookupKey)").first()
            {
                return .current(try ProjectRecord(row: row))
            }
            guard
                let row = try await db.raw(
                    """
                    SELECT p.* FROM project_names n JOIN projects p ON p.id = n.project_id
                    WHERE n.lookup_name = \(bind: name.lookupKey)
                    """
                ).first()
            else { return nil }
            return .renamed(try ProjectRecord(row: row))
        }
    }

    /// The project of GitHub repository `githubRepoID`, now called `name`, created when there is none.
    ///
    /// - A project with that repository id keeps it; when the name differs (the repository was
    ///   renamed or transferred) the project takes the new name and keeps the old one for lookups.
    /// - Otherwise an unclaimed page of that name without a repository id (made by an operator)
    ///   becomes this repository's project.
    /// - Otherwise a new, unclaimed project is created (`created` is true).
    ///
    /// Fails with ``StoreError/conflict(_:)`` when the name is held by a project of another repository.
    public func ensure(
        githubRepoID: Int64, name: RepositoryName
    ) async throws -> (
        project: ProjectRecord, created: Bool
    ) {
        do {
            return try await ensureOnce(githubRepoID: githubRepoID, name: name)
        } catch  where error.isUniqueViolation {
            // A concurrent request created the project first; now it is found.
            return try await ensureOnce(githubRepoID: githubRepoID, name: name)
        }
    }

    private func ensureOnce(
        githubRepoID: Int64, name: RepositoryName
    ) async throws -> (
        project: ProjectRecord, created: Bool
    ) {
        let now = store.clock.now()
        let newID = ProjectID.random()
        return try await store.engine.write { db in
            func load(_ id: String) async throws -> ProjectRecord {
                guard let row = try await db.raw("SELECT * FROM projects WHERE id = \(bind: id)").first() else {
                    throw StoreError.corrupt("project \(id) vanished")
                }
                return try ProjectRecord(row: row)
            }
            let holder = try await db.raw("SELECT * FROM projects WHERE lookup_name = \(bind: name.lookupKey)").first()
                .map(ProjectRecord.init)
            if let byRepo = try await db.raw("SELECT * FROM projects WHERE github_repo_id = \(bind: githubRepoID)")
                .first().map(ProjectRecord.init)
            {
                if byRepo.name.description != name.description {
                    if let holder, holder.id != byRepo.id {
                        throw StoreError.conflict(
                            "GitHub renamed \(byRepo.name) to \(name), but another project page already "
                                + "uses \(name); an operator must merge them."
                        )
                    }
                    try await db.raw(
                        """
                        UPDATE projects SET owner = \(bind: name.owner), repo = \(bind: name.repo),
                            lookup_name = \(bind: name.lookupKey)
                        WHERE id = \(bind: byRepo.id.rawValue)
                        """
                    ).run()
                    try await ProjectNames.record(name, for: byRepo.id, at: now, db: db)
                }
                return (try await load(byRepo.id.rawValue), false)
            }
            if let holder {
                guard holder.githubRepoID == nil else {
                    throw StoreError.conflict(
                        "The project page \(holder.name) belongs to another GitHub repository (id "
                            + "\(holder.githubRepoID!)), which was renamed or deleted; an operator must resolve it."
                    )
                }
                try await db.raw(
                    """
                    UPDATE projects SET github_repo_id = \(bind: githubRepoID), owner = \(bind: name.owner),
                        repo = \(bind: name.repo)
                    WHERE id = \(bind: holder.id.rawValue)
                    """
                ).run()
                return (try await load(holder.id.rawValue), false)
            }
            try await db.raw(
                """
                INSERT INTO projects (id, github_repo_id, owner, repo, lookup_name, created_at)
                VALUES (\(bind: newID.rawValue), \(bind: githubRepoID), \(bind: name.owner), \(bind: name.repo),
                        \(bind: name.lookupKey), \(bind: now.microsSinceEpoch))
                """
            ).run()
            try await ProjectNames.record(name, for: newID, at: now, db: db)
            return (try await load(newID.rawValue), true)
        }
    }

    /// Records that GitHub just verified `user` as a maintainer of `project` with `permission`,
    /// and claims the project if nobody had. Returns the row and whether this claimed the project.
    public func recordMaintainer(
        project: ProjectID, user: UserID, permission: String
    ) async throws -> (maintainer: MaintainerRecord, newlyClaimed: Bool) {
        let now = store.clock.now().microsSinceEpoch
        return try await store.engine.write { db in
            try await db.raw(
                "DELETE FROM maintainers WHERE project_id = \(bind: project.rawValue) AND user_id = "
                    + "\(bind: user.rawValue)"
            ).run()
            try await db.raw(
                """
                INSERT INTO maintainers (project_id, user_id, permission, verified_at)
                VALUES (\(bind: project.rawValue), \(bind: user.rawValue), \(bind: permission), \(bind: now))
                """
            ).run()
            let claimed =
                try await db.raw("SELECT claimed_at FROM projects WHERE id = \(bind: project.rawValue)").first()?
                .decode(column: "claimed_at", as: Int64?.self)
            if claimed == nil {
                try await db.raw("UPDATE projects SET claimed_at = \(bind: now) WHERE id = \(bind: project.rawValue)")
                    .run()
            }
            guard
                let row = try await db.raw(
                    """
                    SELECT * FROM maintainers
                    WHERE project_id = \(bind: project.rawValue) AND user_id = \(bind: user.rawValue)
                    """
                ).first()
            else { throw StoreError.corrupt("maintainer row vanished") }
            return (try MaintainerRecord(row: row), claimed == nil)
        }
    }

    public func maintainer(of project: ProjectID, user: UserID) async throws -> MaintainerRecord? {
        try await store.engine.read { db in
            try await db.raw(
                """
                SELECT * FROM maintainers
                WHERE project_id = \(bind: project.rawValue) AND user_id = \(bind: user.rawValue)
                """
            ).first().map(MaintainerRecord.init)
        }
    }

    /// Maintainers with active keys they created whose GitHub check is older than `verifiedBefore`,
    /// least recently verified first: the ones the background re-verification looks at.
    public func maintainersWithActiveKeys(
        verifiedBefore cutoff: Timestamp, limit: Int
    ) async throws -> [(project: ProjectRecord, maintainer: MaintainerRecord)] {
        try await store.engine.read { db in
            let rows = try await db.raw(
                """
                SELECT m.project_id, m.user_id, m.permission, m.verified_at, p.*
                FROM maintainers m JOIN projects p ON p.id = m.project_id
                WHERE m.verified_at < \(bind: cutoff.microsSinceEpoch) AND EXISTS (
                    SELECT 1 FROM compute_keys k WHERE k.project_id = m.project_id AND k.created_by = m.user_id
                    AND k.status = 'active')
                ORDER BY m.verified_at, m.project_id, m.user_id LIMIT \(bind: max(limit, 0))
                """
            ).all()
            return try rows.map { row in (try ProjectRecord(row: row), try MaintainerRecord(row: row)) }
        }
    }

    /// Forgets a maintainer whose GitHub permission is gone. The project stays claimed.
    public func removeMaintainer(of project: ProjectID, user: UserID) async throws {
        try await store.engine.write { db in
            try await db.raw(
                "DELETE FROM maintainers WHERE project_id = \(bind: project.rawValue) AND user_id = "
                    + "\(bind: user.rawValue)"
            ).run()
        }
    }

    /// The projects `user` maintains, with the maintainer rows, by name.
    public func maintained(by user: UserID) async throws -> [(project: ProjectRecord, maintainer: MaintainerRecord)] {
        try await store.engine.read { db in
            let rows = try await db.raw(
                """
                SELECT m.project_id, m.user_id, m.permission, m.verified_at, p.*
                FROM maintainers m JOIN projects p ON p.id = m.project_id
                WHERE m.user_id = \(bind: user.rawValue) ORDER BY p.lookup_name
                """
            ).all()
            return try rows.map { (try ProjectRecord(row: $0), try MaintainerRecord(row: $0)) }
        }
    }
}
