import Crypto
import Foundation
import HTTPTypes
import Hummingbird

/// A local GitHub, written from GitHub's public documentation of the OAuth web flow (with PKCE)
/// and the REST API's `GET /user` and `GET /repos/{owner}/{repo}`: enough for opub's sign-in and
/// maintainer checks. Tests describe users and repositories, choose who is "signed in to GitHub"
/// in the browser, and can rename, archive or make a repository private.
public actor GitHubStandIn {
    public struct User: Sendable {
        public let id: Int64
        public let login: String
        public let name: String?
    }

    /// A caller's permissions on a repository, as `permissions` in GitHub's repository object.
    public enum Access: Sendable {
        case admin, maintain, push, pull

        var object: [String: Bool] {
            switch self {
            case .admin: return ["admin": true, "maintain": true, "push": true, "triage": true, "pull": true]
            case .maintain: return ["admin": false, "maintain": true, "push": true, "triage": true, "pull": true]
            case .push: return ["admin": false, "maintain": false, "push": true, "triage": true, "pull": true]
            case .pull: return ["admin": false, "maintain": false, "push": false, "triage": false, "pull": true]
            }
        }
    }

    public struct Repository: Sendable {
        public let id: Int64
        public var fullName: String
        public var isPrivate: Bool
        public var isArchived: Bool
        public var access: [String: Access]
    }

    struct Grant {
        let login: String
        let challenge: String
        let redirectURI: String
        let scope: String
    }

    public nonisolated let clientID: String
    public nonisolated let clientSecret: String
    var users: [String: User] = [:]
    var tokens: [String: String] = [:]
    var codes: [String: Grant] = [:]
    var repositories: [Int64: Repository] = [:]
    /// Old full names of renamed repositories (lowercased) → id.
    var movedNames: [String: Int64] = [:]
    var browserLogin: String?
    var nextID: Int64 = 1000
    public private(set) var authorizeQueries: [[String: String]] = []
    public private(set) var tokenRequests: [[String: String]] = []

    public init(clientID: String = "Iv1.standin", clientSecret: String = "standin-secret") {
        self.clientID = clientID
        self.clientSecret = clientSecret
    }

    // MARK: - Test control

    @discardableResult
    public func addUser(_ login: String, name: String? = nil) -> User {
        nextID += 1
        let user = User(id: nextID, login: login, name: name)
        users[login.lowercased()] = user
        return user
    }

    /// The GitHub account signed in in the "browser" that authorizes opub next.
    public func signInBrowser(as login: String) { browserLogin = login }

    @discardableResult
    public func addRepository(
        _ fullName: String, isPrivate: Bool = false, isArchived: Bool = false, access: [String: Access] = [:]
    ) -> Int64 {
        nextID += 1
        repositories[nextID] = Repository(
            id: nextID, fullName: fullName, isPrivate: isPrivate, isArchived: isArchived,
            access: Dictionary(uniqueKeysWithValues: access.map { ($0.key.lowercased(), $0.value) }))
        return nextID
    }

    public func hasRepository(_ fullName: String) -> Bool {
        repositories.values.contains { $0.fullName.lowercased() == fullName.lowercased() }
    }

    public func rename(_ id: Int64, to fullName: String) {
        guard var repository = repositories[id] else { return }
        movedNames[repository.fullName.lowercased()] = id
        repository.fullName = fullName
        repositories[id] = repository
    }

    public func setArchived(_ id: Int64, _ archived: Bool) { repositories[id]?.isArchived = archived }

    public func setAccess(_ id: Int64, login: String, _ access: Access?) {
        repositories[id]?.access[login.lowercased()] = access
    }

    /// A token for `login` without the OAuth dance (for direct API tests).
    public func issueToken(for login: String) -> String {
        let token = "gho_" + StandInHTTP.randomHex(16)
        tokens[token] = login.lowercased()
        return token
    }

    // MARK: - HTTP

    public nonisolated func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/login/oauth/authorize") { request, _ in await self.authorize(request) }
        router.post("/login/oauth/access_token") { request, _ in
            await self.accessToken(StandInHTTP.form(try await StandInHTTP.body(request)))
        }
        router.get("/user") { request, _ in await self.user(StandInHTTP.bearer(request)) }
        router.get("/repos/:owner/:repo") { request, context in
            let name = "\(context.parameters.get("owner") ?? "")/\(context.parameters.get("repo") ?? "")"
            return await self.repository(named: name, token: StandInHTTP.bearer(request), request: request)
        }
        router.get("/repositories/:id") { request, context in
            await self.repository(
                id: Int64(context.parameters.get("id") ?? "") ?? 0, token: StandInHTTP.bearer(request))
        }
        return router
    }

    func authorize(_ request: Request) -> Response {
        var query: [String: String] = [:]
        for (key, value) in request.uri.queryParameters { query[String(key)] = String(value) }
        authorizeQueries.append(query)
        guard query["client_id"] == clientID, let redirect = query["redirect_uri"], let state = query["state"],
            let challenge = query["code_challenge"], query["code_challenge_method"] == "S256"
        else { return StandInHTTP.json(["error": "invalid_request"], status: .badRequest) }
        guard let login = browserLogin else {
            return StandInHTTP.json(["error": "nobody is signed in to the stand-in"], status: .unauthorized)
        }
        let code = StandInHTTP.randomHex(10)
        codes[code] = Grant(login: login, challenge: challenge, redirectURI: redirect, scope: query["scope"] ?? "")
        var headers = HTTPFields()
        let escapedState = state.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? state
        headers[.location] = "\(redirect)?code=\(code)&state=\(escapedState)"
        return Response(status: .found, headers: headers)
    }

    func accessToken(_ form: [(String, String)]) -> Response {
        let fields = Dictionary(form, uniquingKeysWith: { _, last in last })
        tokenRequests.append(fields)
        // GitHub answers OAuth errors with 200 and an `error` field.
        guard fields["client_id"] == clientID, fields["client_secret"] == clientSecret else {
            return StandInHTTP.json(["error": "incorrect_client_credentials"])
        }
        guard let code = fields["code"], let grant = codes.removeValue(forKey: code),
            fields["redirect_uri"] == grant.redirectURI
        else { return StandInHTTP.json(["error": "bad_verification_code"]) }
        let verifier = fields["code_verifier"] ?? ""
        let digest = Data(SHA256.hash(data: Array(verifier.utf8))).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        guard digest == grant.challenge else { return StandInHTTP.json(["error": "invalid_grant"]) }
        let token = issueToken(for: grant.login)
        return StandInHTTP.json(["access_token": token, "token_type": "bearer", "scope": grant.scope])
    }

    func user(_ token: String?) -> Response {
        guard let token, let login = tokens[token], let user = users[login] else {
            return StandInHTTP.json(["message": "Bad credentials"], status: .unauthorized)
        }
        return StandInHTTP.json([
            "id": user.id, "login": user.login, "name": user.name as Any? ?? NSNull(),
            "avatar_url": "https://avatars.example/u/\(user.id)",
        ])
    }

    func repository(named name: String, token: String?, request: Request) -> Response {
        if let repository = repositories.values.first(where: { $0.fullName.lowercased() == name.lowercased() }) {
            return describe(repository, token: token)
        }
        if let id = movedNames[name.lowercased()] {
            // GitHub answers a renamed repository's old name with a permanent redirect.
            var headers = HTTPFields()
            let host = request.head.authority ?? "127.0.0.1"
            headers[.location] = "http://\(host)/repositories/\(id)"
            return Response(status: .movedPermanently, headers: headers)
        }
        return StandInHTTP.json(["message": "Not Found"], status: .notFound)
    }

    func repository(id: Int64, token: String?) -> Response {
        guard let repository = repositories[id] else {
            return StandInHTTP.json(["message": "Not Found"], status: .notFound)
        }
        return describe(repository, token: token)
    }

    func describe(_ repository: Repository, token: String?) -> Response {
        if token != nil, tokens[token!] == nil {
            return StandInHTTP.json(["message": "Bad credentials"], status: .unauthorized)
        }
        let login = token.flatMap { tokens[$0] }
        let access = login.flatMap { repository.access[$0] }
        if repository.isPrivate, access == nil {
            return StandInHTTP.json(["message": "Not Found"], status: .notFound)
        }
        var object: [String: Any] = [
            "id": repository.id, "full_name": repository.fullName,
            "name": String(repository.fullName.split(separator: "/").last ?? ""),
            "private": repository.isPrivate, "archived": repository.isArchived,
            "visibility": repository.isPrivate ? "private" : "public",
        ]
        if login != nil { object["permissions"] = (access ?? .pull).object }
        return StandInHTTP.json(object)
    }
}
