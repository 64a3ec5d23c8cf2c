import OpubCore
import SQLKit

/// A person who signed in with GitHub, keyed by GitHub's numeric id (logins can change).
public struct UserRecord: Sendable, Hashable {
    public let id: UserID
    public let githubID: Int64
    public let login: String
    public let name: String?
    public let avatarURL: String?
    public let createdAt: Timestamp
    public let suspendedAt: Timestamp?

    public var isSuspended: Bool { suspendedAt != nil }

    init(row: any SQLRow) throws {
        let idText = try row.decode(column: "id", as: String.self)
        guard let id = UserID(idText) else { throw StoreError.corrupt("user id '\(idText)'") }
        self.id = id
        self.githubID = try row.decode(column: "github_id", as: Int64.self)
        self.login = try row.decode(column: "login", as: String.self)
        self.name = try row.decode(column: "name", as: String?.self)
        self.avatarURL = try row.decode(column: "avatar_url", as: String?.self)
        self.createdAt = Timestamp(microsSinceEpoch: try row.decode(column: "created_at", as: Int64.self))
        self.suspendedAt = try row.decode(column: "suspended_at", as: Int64?.self).map(
            Timestamp.init(microsSinceEpoch:))
    }
}

/// What GitHub says about a user, as `GET /user` returns it.
public struct GitHubProfile: Sendable, Hashable {
    public let githubID: Int64
    public let login: String
    public let name: String?
    public let avatarURL: String?

    public init(githubID: Int64, login: String, name: String?, avatarURL: String?) {
        self.githubID = githubID
        self.login = login
        self.name = name
        self.avatarURL = avatarURL
    }
}
