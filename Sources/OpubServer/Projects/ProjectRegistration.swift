import OpubCore
import OpubStore

/// Registers or claims a project for a signed-in user (`POST /api/v1/projects`): GitHub must say
/// the repository is public, not archived, and that the user has `admin` or `maintain` on it.
/// In sandbox every claimant is an admin.
struct ProjectRegistration: Sendable {
    let dependencies: AppDependencies

    struct Outcome: Sendable {
        let summary: ProjectSummary
        let maintainer: MaintainerRecord
        /// True when this request created the project page.
        let created: Bool
    }

    func register(_ name: RepositoryName, by identity: SignedIn) async throws -> Outcome {
        let repository = try await RepositoryCheck(dependencies: dependencies).publicRepository(name, for: identity)
        guard let permission = repository.maintainerPermission else {
            let has = repository.permissions?.push == true ? "push access" : "no write access"
            throw APIError.forbidden(
                "insufficient_permission",
                "Your GitHub account has \(has) to \(repository.name); claiming a project needs admin or "
                    + "maintain permission, so ask an admin of the repository to claim it.",
                details: ["repository": .string(repository.name.description)])
        }
        let store = dependencies.store
        let (project, created) = try await ensureProject(repository)
        let (maintainer, newlyClaimed) = try await store.projects.recordMaintainer(
            project: project.id, user: identity.user.id, permission: permission)
        if newlyClaimed {
            dependencies.logger.info(
                "project claimed",
                metadata: ["project": "\(project.id)", "name": "\(project.name)", "user": "\(identity.user.id)"])
        }
        guard let summary = try await store.projects.summary(project.id) else {
            throw StoreError.corrupt("project \(project.id) vanished")
        }
        return Outcome(summary: summary, maintainer: maintainer, created: created)
    }

    /// The project of a verified repository, following renames; 409 when its name is held by another.
    func ensureProject(_ repository: GitHubRepository) async throws -> (ProjectRecord, Bool) {
        do {
            return try await dependencies.store.projects.ensure(githubRepoID: repository.id, name: repository.name)
        } catch let error as StoreError {
            if case .conflict(let message) = error { throw APIError.conflict("project_name_conflict", message) }
            throw error
        }
    }
}
