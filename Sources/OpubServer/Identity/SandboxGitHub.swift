import Crypto
import OpubCore
import OpubStore

/// Sandbox identity: anyone may sign in as any GitHub login, and is admin of every repository they
/// claim. Ids are derived from names so that they are stable across restarts and databases, and
/// they live above 10^15, far from real GitHub ids.
public enum SandboxIdentity {
    public static func githubID(forLogin login: String) -> Int64 {
        stableID(for: "user:" + login.lowercased())
    }

    public static func repositoryID(for name: RepositoryName) -> Int64 {
        stableID(for: "repo:" + name.lookupKey)
    }

    static func stableID(for text: String) -> Int64 {
        let digest = Array(SHA256.hash(data: Array(text.utf8)))
        let value = digest.prefix(7).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return 1_000_000_000_000_000 + Int64(value % 1_000_000_000_000_000)
    }
}

/// The GitHub client of sandbox mode: no network. Every repository exists, is public, and the
/// caller administers it.
public struct SandboxGitHubClient: GitHubClient {
    public init() {}

    public func exchangeCode(_ code: String, verifier: String, redirectURI: String) async throws -> String {
        throw GitHubError.oauthRefused("sandbox mode has no GitHub OAuth; use the sandbox sign-in")
    }

    public func user(token: String) async throws -> GitHubProfile {
        throw GitHubError.unauthorized
    }

    public func repository(_ name: RepositoryName, token: String?) async throws -> GitHubRepository {
        GitHubRepository(
            id: SandboxIdentity.repositoryID(for: name), name: name, isPrivate: false, isArchived: false,
            permissions: .init(admin: true, maintain: true, push: true))
    }
}
