import OpubCore
import OpubStore

/// Re-verification before sensitive actions (`server.md`: key creation re-checks when the last
/// check is older than 24 h). Other features call
/// ``requireVerifiedMaintainer(_:of:maximumAgeSeconds:)`` before acting for a maintainer.
public struct MaintainerVerifier: Sendable {
    public static let defaultMaximumAgeSeconds: Int64 = 24 * 3600
    let dependencies: AppDependencies

    public init(dependencies: AppDependencies) {
        self.dependencies = dependencies
    }

    /// The user's maintainer row for `project`, re-checked with GitHub when older than
    /// `maximumAgeSeconds`. Throws 403 `not_a_maintainer` when the user is not (or no longer) a
    /// maintainer — a lost permission also removes the row and revokes the keys they created
    /// (``MaintainerAccess``) — and 401/502 when GitHub cannot tell.
    public func requireVerifiedMaintainer(
        _ identity: SignedIn, of project: ProjectRecord, maximumAgeSeconds: Int64 = defaultMaximumAgeSeconds
    ) async throws -> MaintainerRecord {
        let store = dependencies.store
        guard let maintainer = try await store.projects.maintainer(of: project.id, user: identity.user.id) else {
            throw notMaintainer(project)
        }
        if maintainer.verifiedAt.adding(seconds: maximumAgeSeconds) >= dependencies.clock.now() {
            return maintainer
        }
        let repository: GitHubRepository
        do {
            repository = try await RepositoryCheck(dependencies: dependencies).publicRepository(
                project.name, for: identity)
        } catch let error as APIError where [403, 404, 422].contains(error.status.code) {
            try await MaintainerAccess(dependencies: dependencies).lost(project, user: identity.user.id)
            throw notMaintainer(project)
        }
        guard let permission = MaintainerAccess.permission(repository, for: project) else {
            try await MaintainerAccess(dependencies: dependencies).lost(project, user: identity.user.id)
            throw notMaintainer(project)
        }
        return try await store.projects.recordMaintainer(
            project: project.id, user: identity.user.id, permission: permission
        ).maintainer
    }

    func notMaintainer(_ project: ProjectRecord) -> APIError {
        .forbidden(
            "not_a_maintainer",
            "You are not a verified maintainer of \(project.name); claim it with an account that has "
                + "admin or maintain permission.",
            details: ["project": .string(project.name.description)])
    }
}
