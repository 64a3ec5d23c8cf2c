import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import OpubCore
import OpubStore

/// Sign-in with GitHub: OAuth authorization code with `state` and PKCE (S256), scope
/// `read:user user:email`.
///
/// - `GET /auth/github?return_to=/path` stores the attempt (state hashed, verifier sealed), sets a
///   short-lived `opub_oauth_state` cookie binding it to this browser, and redirects to GitHub.
/// - `GET /auth/github/callback?code&state` checks the cookie, takes the attempt once (10 minutes
///   at most), trades the code for a token, reads `GET /user`, and starts a session.
///
/// In sandbox (`OPUB_SANDBOX_GITHUB` or full sandbox) `GET /auth/github` goes to the sandbox form.
struct GitHubSignInRoutes: RouteModule {
    let dependencies: AppDependencies
    static let stateCookie = "opub_oauth_state"
    static let attemptLifetimeSeconds: Int64 = 600

    var callbackURL: String { dependencies.urls.url("/auth/github/callback") }

    func register(on routes: RouteRegistrar) {
        routes.get("/auth/github") { request, context in try await start(request, context) }
        routes.get("/auth/github/callback") { request, context in try await callback(request, context) }
    }

    func start(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let returnTo = ReturnPath.sanitize(request.uri.queryParameters.get("return_to"))
        let config = dependencies.configuration
        guard config.github.mode == .real, let clientID = config.github.clientID else {
            return PlainResponse.redirect(to: "/auth/sandbox?return_to=\(FormEncoding.escape(returnTo))")
        }
        try await dependencies.rateLimits.check(dependencies.rateLimits.signIn, context: context)
        let state = dependencies.random.token(bytes: 32)
        let verifier = dependencies.random.token(bytes: 32)
        let stateHash = TokenHash.sha256Hex(state)
        let sealed = try SecretBox.seal(verifier, key: dependencies.secrets.verifierSealingKey, context: stateHash)
        try await dependencies.store.oauthAttempts.create(
            stateHash: stateHash, sealedVerifier: sealed, returnTo: returnTo)
        let challenge = Base64URL.encode(SHA256.hash(data: Array(verifier.utf8)))
        let query = FormEncoding.encode([
            ("client_id", clientID), ("redirect_uri", callbackURL), ("scope", "read:user user:email"),
            ("state", state), ("code_challenge", challenge), ("code_challenge_method", "S256"),
            ("allow_signup", "true"),
        ])
        var response = PlainResponse.redirect(to: "\(config.github.webURL)/login/oauth/authorize?\(query)")
        response.setCookie(
            Cookie(
                name: Self.stateCookie, value: state, maxAge: Int(Self.attemptLifetimeSeconds), path: "/auth/github",
                secure: config.secureCookies, httpOnly: true, sameSite: .lax))
        return response
    }

    func callback(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let config = dependencies.configuration
        guard config.github.mode == .real else {
            throw APIError.notFound(
                "github_sign_in_disabled", "GitHub sign-in is off in sandbox mode; use /auth/sandbox.")
        }
        let query = request.uri.queryParameters
        if let error = query.get("error") {
            throw APIError.forbidden(
                "github_sign_in_refused", "GitHub did not sign you in (\(error)); try again from the sign-in page.")
        }
        guard let code = query.get("code"), let state = query.get("state"), !code.isEmpty, !state.isEmpty else {
            throw APIError.badRequest(
                "missing_parameter", "The callback needs code and state; start the sign-in again.")
        }
        guard let cookieState = request.cookies[Self.stateCookie]?.value,
            cookieState.utf8.count == state.utf8.count,
            HMAC<SHA256>.authenticationCode(for: Array(cookieState.utf8), using: dependencies.secrets.csrfKey)
                == HMAC<SHA256>.authenticationCode(for: Array(state.utf8), using: dependencies.secrets.csrfKey)
        else {
            throw APIError.forbidden(
                "sign_in_state_mismatch", "This sign-in was started in another browser or has expired; start it again.")
        }
        let stateHash = TokenHash.sha256Hex(state)
        guard let attempt = try await dependencies.store.oauthAttempts.take(stateHash: stateHash),
            attempt.createdAt.adding(seconds: Self.attemptLifetimeSeconds) >= dependencies.clock.now()
        else {
            throw APIError.forbidden("sign_in_expired", "This sign-in has expired or was already used; start it again.")
        }
        let verifier = try SecretBox.open(
            attempt.sealedVerifier, key: dependencies.secrets.verifierSealingKey, context: stateHash)
        let token: String
        let profile: GitHubProfile
        do {
            token = try await dependencies.github.exchangeCode(code, verifier: verifier, redirectURI: callbackURL)
            profile = try await dependencies.github.user(token: token)
        } catch let error as GitHubError {
            switch error {
            case .oauthRefused, .unauthorized:
                throw APIError.forbidden("github_sign_in_refused", error.description)
            default:
                throw APIError.upstream("github", error.description)
            }
        }
        let user = try await dependencies.store.users.upsert(profile)
        guard !user.isSuspended else {
            throw APIError.forbidden("user_suspended", "This account is suspended; contact the operator.")
        }
        let (cookie, _) = try await dependencies.sessions.start(for: user, githubToken: token)
        context.logger.info("signed in", metadata: ["user": "\(user.id)", "github_id": "\(user.githubID)"])
        var response = PlainResponse.redirect(to: attempt.returnTo)
        response.setCookie(cookie)
        response.setCookie(
            Cookie(
                name: Self.stateCookie, value: "", maxAge: 0, path: "/auth/github", secure: config.secureCookies,
                httpOnly: true, sameSite: .lax))
        return response
    }
}
