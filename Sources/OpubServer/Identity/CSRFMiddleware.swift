import HTTPTypes
import Hummingbird
import NIOCore

/// Cross-site request forgery protection (`server.md`): a state-changing request (anything but
/// GET, HEAD, OPTIONS) made with a session must carry that session's CSRF token, in the
/// `X-CSRF-Token` header or a `csrf_token` form field. Missing or wrong → 403 `csrf_token_invalid`
/// before any handler runs, so nothing changes.
///
/// Exempt: requests without a session (they act as nobody), Stripe's webhook (authenticated by
/// its signature), and sign-in itself (it replaces the session).
struct CSRFMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let sessions: SessionService
    static let headerName = HTTPField.Name("X-CSRF-Token")!
    static let exemptPrefixes = ["/webhooks/", "/auth/sandbox", "/auth/github"]

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard let identity = context.identity, ![.get, .head, .options].contains(request.method),
            !Self.exemptPrefixes.contains(where: { request.uri.path.hasPrefix($0) })
        else { return try await next(request, context) }
        var request = request
        var presented = request.headers[Self.headerName]
        if presented == nil, RequestBodies.isForm(request) {
            // Read the form once, look for the field, and hand the same bytes on to the handler.
            let bytes = try await RequestBodies.collect(request)
            presented = try FormFields.parse(bytes)["csrf_token"]
            request.body = .init(buffer: ByteBuffer(bytes: bytes))
        }
        guard let presented, sessions.isValidCSRF(presented, for: identity) else {
            throw APIError.forbidden(
                "csrf_token_invalid",
                "This request needs your session's CSRF token (X-CSRF-Token header or csrf_token field); "
                    + "reload the page and try again."
            )
        }
        var context = context
        context.csrfVerified = true
        return try await next(request, context)
    }
}
