import OpubCore
import SQLKit

/// Every name a project has had. A repository renamed or transferred on GitHub keeps its project
/// (projects are keyed by GitHub's repository id); its old names stay here so that links to them
/// still find it. A name belongs to one project at a time: when a new repository takes an old
/// name, the name moves to the new project.
enum ProjectNames {
    static func record(
        _ name: RepositoryName, for project: ProjectID, at time: Timestamp, db: any SQLDatabase
    )
        async throws
    {
        try await db.raw("DELETE FROM project_names WHERE lookup_name = \(bind: name.lookupKey)").run()
        try await db.raw(
            """
            INSERT INTO project_names (lookup_name, project_id, owner, repo, recorded_at)
            VALUES (\(bind: name.lookupKey), \(bind: project.rawValue), \(bind: name.owner), \(bind: name.repo),
                \(bind: time.microsSinceEpoch))
            """
        ).run()
    }
}
