import Hummingbird

/// Resolves the `opub_session` cookie into ``AppRequestContext/identity``. A missing, unknown or
/// expired cookie leaves the request anonymous.
struct SessionMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let sessions: SessionService

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var context = context
        if let value = request.cookies[SessionService.cookieName]?.value, !value.isEmpty {
            context.identity = try await sessions.resolve(cookieValue: value)
        }
        return try await next(request, context)
    }
}
