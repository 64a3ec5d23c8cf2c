import AsyncHTTPClient
import Foundation
import NIOHTTP1
import OpubCore
import OpubStore

/// GitHub over HTTPS: the OAuth token endpoint on `GITHUB_WEB_URL`, the REST API on `GITHUB_API_URL`.
public struct HTTPGitHubClient: GitHubClient {
    let http: OutboundHTTP
    let clientID: String
    let clientSecret: String
    let apiURL: String
    let webURL: String

    public init(client: HTTPClient, clientID: String, clientSecret: String, apiURL: String, webURL: String) {
        self.http = OutboundHTTP(client: client)
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.apiURL = apiURL
        self.webURL = webURL
    }

    var apiHeaders: [(String, String)] {
        [("Accept", "application/vnd.github+json"), ("X-GitHub-Api-Version", "2022-11-28"), ("User-Agent", "opub")]
    }

    public func exchangeCode(_ code: String, verifier: String, redirectURI: String) async throws -> String {
        let body = FormEncoding.encode([
            ("client_id", clientID), ("client_secret", clientSecret), ("code", code), ("redirect_uri", redirectURI),
            ("code_verifier", verifier),
        ])
        let reply = try await send(
            .POST, "\(webURL)/login/oauth/access_token",
            headers: [
                ("Accept", "application/json"), ("Content-Type", "application/x-www-form-urlencoded"),
                ("User-Agent", "opub"),
            ], body: Array(body.utf8))
        guard reply.status == 200 else { throw GitHubError.unavailable("token endpoint answered \(reply.status)") }
        struct TokenReply: Decodable {
            let access_token: String?
            let error: String?
        }
        guard let token = try? JSONDecoder().decode(TokenReply.self, from: Data(reply.body)) else {
            throw GitHubError.badResponse("the token endpoint's answer is not JSON")
        }
        if let error = token.error { throw GitHubError.oauthRefused(error) }
        guard let accessToken = token.access_token, !accessToken.isEmpty else {
            throw GitHubError.badResponse("no access_token")
        }
        return accessToken
    }

    public func user(token: String) async throws -> GitHubProfile {
        let reply = try await send(.GET, "\(apiURL)/user", headers: apiHeaders + [("Authorization", "Bearer \(token)")])
        try check(reply)
        struct User: Decodable {
            let id: Int64
            let login: String
            let name: String?
            let avatar_url: String?
        }
        guard let user = try? JSONDecoder().decode(User.self, from: Data(reply.body)) else {
            throw GitHubError.badResponse("GET /user is not a user")
        }
        return GitHubProfile(githubID: user.id, login: user.login, name: user.name, avatarURL: user.avatar_url)
    }

    public func repository(_ name: RepositoryName, token: String?) async throws -> GitHubRepository {
        var headers = apiHeaders
        if let token { headers.append(("Authorization", "Bearer \(token)")) }
        let reply = try await send(.GET, "\(apiURL)/repos/\(name.owner)/\(name.repo)", headers: headers)
        try check(reply)
        struct Repo: Decodable {
            struct Permissions: Decodable {
                let admin: Bool?
                let maintain: Bool?
                let push: Bool?
            }
            let id: Int64
            let full_name: String
            let `private`: Bool
            let archived: Bool?
            let permissions: Permissions?
        }
        guard let repo = try? JSONDecoder().decode(Repo.self, from: Data(reply.body)),
            let current = try? RepositoryName(parsing: repo.full_name)
        else { throw GitHubError.badResponse("GET /repos/\(name) is not a repository") }
        return GitHubRepository(
            id: repo.id, name: current, isPrivate: repo.private, isArchived: repo.archived ?? false,
            permissions: repo.permissions.map {
                .init(admin: $0.admin ?? false, maintain: $0.maintain ?? false, push: $0.push ?? false)
            })
    }

    func send(
        _ method: HTTPMethod, _ url: String, headers: [(String, String)], body: [UInt8]? = nil
    ) async throws
        -> OutboundHTTP.Reply
    {
        do {
            return try await http.send(method, url, headers: headers, body: body)
        } catch {
            throw GitHubError.unavailable("\(type(of: error))")
        }
    }

    func check(_ reply: OutboundHTTP.Reply) throws {
        switch reply.status {
        case 200: return
        case 401: throw GitHubError.unauthorized
        case 404: throw GitHubError.notFound
        case 403, 429: throw GitHubError.unavailable("rate limited (\(reply.status))")
        default: throw GitHubError.unavailable("answered \(reply.status)")
        }
    }
}
