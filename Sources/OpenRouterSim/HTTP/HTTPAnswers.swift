import Foundation
import Hummingbird
import NIOCore
import OpubSurfaces

/// Builds the simulator's HTTP answers.
enum HTTPAnswers {
    static func json(_ value: JSONValue, status: Int = 200) -> Response {
        let text = value.rendered(escaping: .minimal)
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(
            status: HTTPResponse.Status(code: status), headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    static func failure(_ failure: SimFailure, format: ErrorFormat) -> Response {
        var response = json(
            format == .anthropic ? failure.anthropicBody() : failure.openRouterBody(), status: failure.status)
        if let retryAfter = failure.retryAfter {
            response.headers[.retryAfter] = String(retryAfter)
        }
        return response
    }

    /// A server-sent event stream of already formatted frames.
    static func eventStream(_ frames: [String]) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-cache"
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody { writer in
                for frame in frames {
                    try await writer.write(ByteBuffer(string: frame))
                }
                try await writer.finish(nil)
            })
    }

    /// The bearer token (`Authorization: Bearer …`), else Anthropic's `x-api-key`.
    static func token(_ request: Request) -> String? {
        if let authorization = request.headers[.authorization] {
            let parts = authorization.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" {
                return String(parts[1]).trimmingCharacters(in: .whitespaces)
            }
            return nil
        }
        return header(request, "x-api-key")
    }

    /// The simulator's base URL as the caller reached it (scheme, `Host` and the mount prefix, such as
    /// `/api/v1`), for links in answers; `route` is the request's route after that prefix.
    static func baseURL(_ request: Request, route: String) -> String {
        let path = request.uri.path
        let prefix = path.hasSuffix(route) ? String(path.dropLast(route.count)) : path
        let host = request.head.authority ?? header(request, "Host") ?? "127.0.0.1"
        return "http://\(host)\(prefix)"
    }

    static func header(_ request: Request, _ name: String) -> String? {
        let lowered = name.lowercased()
        return request.headers.first { $0.name.canonicalName == lowered }?.value
    }

    static func attribution(_ request: Request) -> Attribution {
        Attribution(
            referer: header(request, "HTTP-Referer"),
            title: header(request, "X-OpenRouter-Title") ?? header(request, "X-Title"),
            categories: header(request, "X-OpenRouter-Categories"),
            sessionHeader: header(request, "x-session-id"), userAgent: header(request, "User-Agent"))
    }

    /// The parsed JSON body; empty bodies read as `{}`.
    static func body(_ request: Request, limit: Int = 8 * 1024 * 1024) async throws -> JSONValue {
        let buffer = try await request.body.collect(upTo: limit)
        guard buffer.readableBytes > 0 else { return .object([]) }
        do {
            return try JSONValue.parse(Array(buffer.readableBytesView))
        } catch {
            throw SimFailure.badRequest("The request body is not valid JSON")
        }
    }
}
