import Hummingbird
import OpubCore
import OpubStore

/// Sandbox sign-in (only registered when GitHub is sandboxed): sign in as any GitHub login, with a
/// fake id derived from the login. `GET /auth/sandbox` shows the form (a page); `POST /auth/sandbox` with
/// `login` (form or JSON, optional `return_to`) starts a session: a form is redirected, JSON gets
/// the session (user and CSRF token).
struct SandboxSignInRoutes: RouteModule {
    let dependencies: AppDependencies

    func register(on routes: RouteRegistrar) {
        routes.page("/auth/sandbox") { request, context in
            struct Model {
                let returnTo: String
            }
            let returnTo = ReturnPath.sanitize(request.uri.queryParameters.get("return_to"))
            return try PageResponder(configuration: dependencies.configuration).render(
                "pages/sandbox-sign-in", title: "Sandbox sign-in", content: Model(returnTo: returnTo),
                request: request, identity: context.identity)
        }
        routes.post("/auth/sandbox") { request, context in try await signIn(request, context) }
    }

    func signIn(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        try await dependencies.rateLimits.check(dependencies.rateLimits.signIn, context: context)
        let fields = try await RequestBodies.fields(request, allowed: ["login", "return_to", "csrf_token"])
        let login = fields["login"]?.trimmingSpaces() ?? ""
        guard !login.isEmpty else {
            throw APIError.badRequest(
                "missing_field", "login is required, for example \"octocat\".", details: ["field": .string("login")])
        }
        guard (try? RepositoryName(owner: login, repo: "x")) != nil else {
            throw APIError.badRequest(
                "invalid_login", "'\(login)' is not a GitHub login (1–39 letters, digits or single hyphens).",
                details: ["field": .string("login")])
        }
        let profile = GitHubProfile(
            githubID: SandboxIdentity.githubID(forLogin: login), login: login, name: nil, avatarURL: nil)
        let user = try await dependencies.store.users.upsert(profile)
        let (cookie, identity) = try await dependencies.sessions.start(for: user, githubToken: nil)
        context.logger.info("sandbox sign-in", metadata: ["user": "\(user.id)", "login": "\(login)"])
        var response: Response
        if RequestBodies.isJSON(request) {
            response = JSON.response(
                SessionJSON(user: UserJSON(user), csrfToken: identity.csrfToken, sandbox: true))
        } else {
            response = PlainResponse.redirect(to: ReturnPath.sanitize(fields["return_to"]))
        }
        response.setCookie(cookie)
        return response
    }
}

extension String {
    func trimmingSpaces() -> String {
        var text = Substring(self)
        while let first = text.first, first.isWhitespace { text.removeFirst() }
        while let last = text.last, last.isWhitespace { text.removeLast() }
        return String(text)
    }
}
