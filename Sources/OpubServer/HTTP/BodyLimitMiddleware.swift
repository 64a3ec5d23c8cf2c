import HTTPTypes
import Hummingbird

/// Refuses a body announced larger than 64 KiB before reading any of it (413 `body_too_large`);
/// bodies without a length are cut off at the same limit when read (``RequestBodies``).
struct BodyLimitMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        // The sandbox provider serves agents' inference requests, whose prompts are routinely larger;
        // it reads its own bodies. Provider traces may carry prompts too (opub drops them, but must
        // read past them): that route has its own, larger limit.
        let path = request.uri.path
        let limit =
            path.hasPrefix(SandboxProvider.pathPrefix)
            ? nil : path == TraceIngestRoutes.path ? TraceIngestRoutes.maximumBytes : RequestBodies.maximumBytes
        if let limit, let length = request.headers[.contentLength].flatMap({ Int($0) }), length > limit {
            throw RequestBodies.tooLarge(limit: limit)
        }
        return try await next(request, context)
    }
}
