import HTTPTypes
import Hummingbird
import Logging
import OpubStore
import Synchronization

/// Turns every error into the JSON error shape of `server.md`. Bad input never becomes a 500:
/// Hummingbird's own errors (no such route, body too large, bad request) keep their 4xx status,
/// a path that exists with other methods answers 405 with `Allow`, and only an unexpected error
/// is a 500 `internal_error` (logged with the request id, its text never sent to the client).
///
/// A browser gets the same status as a friendly HTML page instead (``ErrorPage``): any error of a page
/// route, and any error of a path outside `/api/` requested with `Accept: text/html` (an unknown URL
/// typed into the address bar). A page that needs a signed-in user sends the browser to sign in.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let routes: RouteTableBox
    let pages: PageResponder

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let failure as PageFailure {
            return respond(to: failure.underlying, request: request, context: context, identity: failure.identity)
        } catch {
            return respond(to: error, request: request, context: context, identity: nil)
        }
    }

    func respond(to error: any Error, request: Request, context: Context, identity: SignedIn?) -> Response {
        let apiError = classify(error, request: request, context: context)
        guard wantsPage(request) else { return apiError.response() }
        return ErrorPage(responder: pages).response(
            for: apiError, request: request, requestID: context.id, identity: identity
        ) ?? apiError.response()
    }

    /// True for a page route, or a browser asking for HTML anywhere outside the JSON API.
    func wantsPage(_ request: Request) -> Bool {
        let path = request.uri.path
        if routes.isPage(path, method: request.method) { return true }
        guard !path.hasPrefix("/api/") else { return false }
        return request.headers[values: .accept].contains { $0.lowercased().contains("text/html") }
    }

    func classify(_ error: any Error, request: Request, context: Context) -> APIError {
        switch error {
        case let error as APIError:
            return error
        case let error as any APIErrorConvertible:
            return error.apiError
        case let error as HTTPError:
            return translate(error, request: request)
        case let error as StoreError:
            switch error {
            case .notFound(let message): return APIError.notFound("not_found", message)
            case .conflict(let message): return APIError.conflict("conflict", message)
            case .corrupt:
                context.logger.error("stored data is inconsistent", metadata: ["error": "\(error)"])
                return internalError(context)
            case .unavailable(let message):
                context.logger.warning("database unavailable", metadata: ["error": "\(message)"])
                return Self.unavailable("database_unavailable", message)
            case .busy(let message):
                context.logger.warning("database busy past the request deadline", metadata: ["error": "\(message)"])
                return Self.unavailable("server_busy", message)
            case .storageFull(let message):
                context.logger.error("database disk full", metadata: ["error": "\(message)"])
                return Self.unavailable("storage_full", message)
            }
        case let error as any HTTPResponseError:
            return APIError(error.status, code: Self.code(for: error.status), message: Self.message(for: error.status))
        default:
            context.logger.error("request failed", metadata: ["error": "\(String(reflecting: error))"])
            return internalError(context)
        }
    }

    /// 503 with `Retry-After`: the service cannot do this now, and a retry later is safe.
    static func unavailable(_ code: String, _ message: String) -> APIError {
        var headers = HTTPFields()
        headers[.retryAfter] = "5"
        return APIError(.serviceUnavailable, code: code, message: message, headers: headers)
    }

    func internalError(_ context: Context) -> APIError {
        APIError(
            .internalServerError, code: "internal_error",
            message: "Something went wrong on our side; try again, and report request \(context.id) if it persists."
        )
    }

    func translate(_ error: HTTPError, request: Request) -> APIError {
        switch error.status {
        case .notFound:
            let allowed = routes.methods(matching: request.uri.path)
            if !allowed.isEmpty {
                var headers = HTTPFields()
                headers[.allow] = allowed.map(\.rawValue).joined(separator: ", ")
                return APIError(
                    .methodNotAllowed, code: "method_not_allowed",
                    message:
                        "\(request.method.rawValue) is not supported here; use "
                        + "\(allowed.map(\.rawValue).joined(separator: " or ")).",
                    headers: headers)
            }
            return .notFound("no_such_route", "There is nothing at \(request.method.rawValue) \(request.uri.path).")
        case .contentTooLarge:
            return RequestBodies.tooLarge()
        default:
            return APIError(
                error.status, code: Self.code(for: error.status),
                message: error.body ?? Self.message(for: error.status), headers: error.headers)
        }
    }

    static func code(for status: HTTPResponse.Status) -> String {
        switch status.code {
        case 400: return "bad_request"
        case 401: return "sign_in_required"
        case 403: return "forbidden"
        case 404: return "not_found"
        case 405: return "method_not_allowed"
        case 409: return "conflict"
        case 413: return "body_too_large"
        case 415: return "unsupported_media_type"
        case 422: return "rule_violated"
        case 429: return "rate_limited"
        case 400..<500: return "bad_request"
        default: return "internal_error"
        }
    }

    static func message(for status: HTTPResponse.Status) -> String {
        status.code < 500
            ? "The request was not accepted (\(status.code) \(status.reasonPhrase)); check it and try again."
            : "Something went wrong on our side; try again later."
    }
}

/// The route table, filled once the routes are registered (after the middleware that reads it).
final class RouteTableBox: Sendable {
    private let table = Mutex(RouteTable())

    func set(_ value: RouteTable) { table.withLock { $0 = value } }

    func methods(matching path: String) -> [HTTPRequest.Method] {
        table.withLock { $0.methods(matching: path) }
    }

    func isPage(_ path: String, method: HTTPRequest.Method) -> Bool {
        table.withLock { $0.isPage(path, method: method) }
    }
}
