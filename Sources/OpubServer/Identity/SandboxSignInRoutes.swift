import Hummingbird
import OpubCore
import OpubStore

/// Sandbox sign-in (only registered when GitHub is sandboxed): sign in as any GitHub login, with a
/// fake id derived from the login. `GET /auth/sandbox` shows the form (a page); `POST /auth/sandbox` with
/// `login` (form or JSON, optional `return_to`) starts a session: a form is redirected, JSON gets
/// the session (user and CSRF token).
///
/// The form carries a CSRF token like every other form: there is no session yet, so it is a
/// double-submit token — a random value in a short-lived `opub_signin_csrf` cookie (HttpOnly, SameSite
/// Lax) and in the form's `csrf_token` field, which must match. Another site can neither read the cookie
/// nor set the field, so it cannot sign a visitor in as a login of its choosing. A JSON post needs no
/// token: a browser sends one cross-site only after a CORS preflight, which opub never grants.
struct SandboxSignInRoutes: RouteModule {
    let dependencies: AppDependencies
    static let csrfCookie = "opub_signin_csrf"

    func register(on routes: RouteRegistrar) {
        routes.page("/auth/sandbox") { request, context in
            struct Model {
                let returnTo: String
                let csrfToken: String
            }
            let returnTo = ReturnPath.sanitize(request.uri.queryParameters.get("return_to"))
            let token = Base64URL.encode(dependencies.random.bytes(32))
            var response = try PageResponder(configuration: dependencies.configuration).render(
                "pages/sandbox-sign-in", title: "Sandbox sign-in",
                content: Model(returnTo: returnTo, csrfToken: token), request: request, identity: context.identity)
            response.setCookie(
                Cookie(
                    name: Self.csrfCookie, value: token, maxAge: 3600, path: "/auth/sandbox",
                    secure: dependencies.configuration.secureCookies, httpOnly: true, sameSite: .lax))
            return response
        }
        routes.post("/auth/sandbox") { request, context in try await signIn(request, context) }
    }

    func signIn(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        try await dependencies.rateLimits.check(dependencies.rateLimits.signIn, context: context)
        let fields = try await RequestBodies.fields(request, allowed: ["login", "return_to", "csrf_token"])
        if !RequestBodies.isJSON(request) {
            let expected = request.cookies[Self.csrfCookie]?.value ?? ""
            let presented = fields["csrf_token"] ?? ""
            guard !expected.isEmpty, ConstantTime.equal(Array(expected.utf8), Array(presented.utf8)) else {
                throw APIError.forbidden(
                    "csrf_token_invalid",
                    "This sign-in form has expired or did not come from this site; reload /auth/sandbox and try again.")
            }
        }
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
