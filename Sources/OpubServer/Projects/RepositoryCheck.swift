import OpubCore
import OpubStore

/// Asks GitHub about a repository with the signed-in user's token and turns GitHub's answer into
/// opub's rules: only public, unarchived repositories have project pages.
struct RepositoryCheck: Sendable {
    let dependencies: AppDependencies

    /// The repository, if it is public and not archived; otherwise an ``APIError`` that says why.
    func publicRepository(_ name: RepositoryName, for identity: SignedIn) async throws -> GitHubRepository {
        let token: String?
        do {
            token = try dependencies.sessions.githubToken(of: identity)
        } catch {
            throw APIError(.unauthorized, code: "github_session_expired", message: "Sign in with GitHub again.")
        }
        if dependencies.configuration.github.mode == .real, token == nil {
            throw APIError(.unauthorized, code: "github_session_expired", message: "Sign in with GitHub again.")
        }
        let repository: GitHubRepository
        do {
            repository = try await dependencies.github.repository(name, token: token)
        } catch let error as GitHubError {
            switch error {
            case .notFound:
                throw APIError.notFound(
                    "repository_not_found",
                    "GitHub has no public repository \(name) that your account can see; check the owner and name.",
                    details: ["repository": .string(name.description)])
            case .unauthorized:
                throw APIError(
                    .unauthorized, code: "github_session_expired",
                    message: "GitHub no longer accepts your sign-in; sign in with GitHub again.")
            default:
                throw APIError.upstream("github", error.description)
            }
        }
        if repository.isPrivate {
            throw APIError.notFound(
                "repository_not_public",
                "\(repository.name) is private; opub funds public repositories only.",
                details: ["repository": .string(repository.name.description)])
        }
        if repository.isArchived {
            throw APIError.unprocessable(
                "repository_archived",
                "\(repository.name) is archived on GitHub; it cannot take donations or be claimed until "
                    + "it is unarchived.",
                details: ["repository": .string(repository.name.description)])
        }
        return repository
    }
}
