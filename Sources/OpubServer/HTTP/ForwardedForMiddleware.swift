import HTTPTypes
import Hummingbird

/// Behind a trusted reverse proxy (`OPUB_TRUST_FORWARDED_FOR=true`), the client is the first
/// address of `X-Forwarded-For`; otherwise that header is ignored (anyone can send it).
struct ForwardedForMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    static let header = HTTPField.Name("X-Forwarded-For")!

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var context = context
        if let first = request.headers[Self.header]?.split(separator: ",").first {
            let address = first.trimmingCharacters(in: .whitespaces)
            if !address.isEmpty, address.count <= 64 { context.peerAddress = address }
        }
        return try await next(request, context)
    }
}
