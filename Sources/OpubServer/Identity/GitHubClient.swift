import OpubCore
import OpubStore

/// What opub asks GitHub. Injected: the real client speaks to `GITHUB_WEB_URL`/`GITHUB_API_URL`,
/// the sandbox answers locally, tests use the stand-in over HTTP.
public protocol GitHubClient: Sendable {
    /// The OAuth token endpoint: trades an authorization `code` (with its PKCE verifier) for a user token.
    func exchangeCode(_ code: String, verifier: String, redirectURI: String) async throws -> String
    /// `GET /user` with the user's token.
    func user(token: String) async throws -> GitHubProfile
    /// `GET /repos/{owner}/{repo}` with the user's token (nil: anonymous).
    func repository(_ name: RepositoryName, token: String?) async throws -> GitHubRepository
}

/// The parts of GitHub's repository object opub decides on.
public struct GitHubRepository: Sendable, Hashable {
    public let id: Int64
    /// The repository's current `full_name` (after a rename or transfer, the new one).
    public let name: RepositoryName
    public let isPrivate: Bool
    public let isArchived: Bool
    /// The caller's permissions; nil when GitHub sent none (anonymous request).
    public let permissions: Permissions?

    public struct Permissions: Sendable, Hashable {
        public let admin: Bool
        public let maintain: Bool
        public let push: Bool

        public init(admin: Bool, maintain: Bool, push: Bool) {
            self.admin = admin
            self.maintain = maintain
            self.push = push
        }
    }

    public init(id: Int64, name: RepositoryName, isPrivate: Bool, isArchived: Bool, permissions: Permissions?) {
        self.id = id
        self.name = name
        self.isPrivate = isPrivate
        self.isArchived = isArchived
        self.permissions = permissions
    }

    /// `admin` or `maintain` when the caller may claim the repository (`server.md`), else nil.
    public var maintainerPermission: String? {
        if permissions?.admin == true { return "admin" }
        if permissions?.maintain == true { return "maintain" }
        return nil
    }
}

/// GitHub's answers that opub reacts to.
public enum GitHubError: Error, Sendable, Equatable, CustomStringConvertible {
    /// 404: no such repository, or the token cannot see it.
    case notFound
    /// 401: the token was revoked or expired.
    case unauthorized
    /// The OAuth exchange was refused (`bad_verification_code`, …).
    case oauthRefused(String)
    /// GitHub could not be reached, timed out, or answered 5xx/403-rate-limit.
    case unavailable(String)
    /// GitHub answered something opub does not understand.
    case badResponse(String)

    public var description: String {
        switch self {
        case .notFound: return "GitHub has no such repository, or your token cannot see it."
        case .unauthorized: return "GitHub no longer accepts your sign-in; sign in again."
        case .oauthRefused(let reason): return "GitHub refused the sign-in (\(reason)); start again."
        case .unavailable(let reason): return "GitHub is unavailable (\(reason)); try again in a minute."
        case .badResponse(let reason): return "GitHub sent an unexpected answer (\(reason)); try again later."
        }
    }
}
