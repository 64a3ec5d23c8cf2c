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
        // it reads its own bodies.
        let isSandboxProvider = request.uri.path.hasPrefix(SandboxProvider.pathPrefix)
        if !isSandboxProvider, let length = request.headers[.contentLength].flatMap({ Int($0) }),
            length > RequestBodies.maximumBytes
        {
            throw RequestBodies.tooLarge()
        }
        return try await next(request, context)
    }
}
