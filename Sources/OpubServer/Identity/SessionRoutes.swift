import Hummingbird

/// `POST /auth/sign-out` (CSRF-protected) ends the session; `GET /api/v1/me` says who is signed in.
struct SessionRoutes: RouteModule {
    let dependencies: AppDependencies

    func register(on routes: RouteRegistrar) {
        routes.post("/auth/sign-out") { request, context in
            let identity = try context.requireIdentity()
            try await dependencies.sessions.end(identity)
            var response = RequestBodies.isForm(request) ? PlainResponse.redirect(to: "/") : PlainResponse.noContent()
            response.setCookie(dependencies.sessions.clearingCookie())
            return response
        }
        routes.get("/api/v1/me") { _, context in
            let identity = try context.requireIdentity()
            return JSON.response(
                SessionJSON(
                    user: UserJSON(identity.user), csrfToken: identity.csrfToken,
                    sandbox: dependencies.configuration.github.mode == .sandbox))
        }
    }
}
