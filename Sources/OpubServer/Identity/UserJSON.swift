import OpubStore

/// A user as the API shows them (to themselves).
struct UserJSON: Encodable {
    let id: String
    let githubID: Int64
    let login: String
    @NullEncoded var name: String?
    @NullEncoded var avatarURL: String?

    init(_ user: UserRecord) {
        id = user.id.rawValue
        githubID = user.githubID
        login = user.login
        name = user.name
        avatarURL = user.avatarURL
    }

    enum CodingKeys: String, CodingKey {
        case id
        case githubID = "github_id"
        case login, name
        case avatarURL = "avatar_url"
    }
}

/// `GET /api/v1/me` and the sign-in answer: who you are, and the CSRF token your state-changing
/// requests must carry.
struct SessionJSON: Encodable {
    let user: UserJSON
    let csrfToken: String
    let sandbox: Bool

    enum CodingKeys: String, CodingKey {
        case user
        case csrfToken = "csrf_token"
        case sandbox
    }
}
