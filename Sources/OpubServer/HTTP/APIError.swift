import HTTPTypes
import Hummingbird
import OpubSurfaces

/// An error of a service below the HTTP edge that knows how the API reports it; the error middleware
/// answers it as its ``apiError`` (a JSON body, or the error page for a browser).
public protocol APIErrorConvertible: Error {
    var apiError: APIError { get }
}

/// An error the API reports as `{"error":{"code","message","details"}}` with its status. Every
/// message is a sentence a person can act on; `code` is a stable snake_case reason for programs.
public struct APIError: Error, Sendable, CustomStringConvertible {
    public var status: HTTPResponse.Status
    public var code: String
    public var message: String
    public var details: [String: JSONValue]
    public var headers: HTTPFields

    public init(
        _ status: HTTPResponse.Status, code: String, message: String, details: [String: JSONValue] = [:],
        headers: HTTPFields = [:]
    ) {
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.headers = headers
    }

    public var description: String { "\(status.code) \(code): \(message)" }

    public static func badRequest(_ code: String, _ message: String, details: [String: JSONValue] = [:]) -> APIError {
        APIError(.badRequest, code: code, message: message, details: details)
    }

    public static func signInRequired() -> APIError {
        APIError(.unauthorized, code: "sign_in_required", message: "Sign in with GitHub first.")
    }

    public static func forbidden(_ code: String, _ message: String, details: [String: JSONValue] = [:]) -> APIError {
        APIError(.forbidden, code: code, message: message, details: details)
    }

    public static func notFound(_ code: String, _ message: String, details: [String: JSONValue] = [:]) -> APIError {
        APIError(.notFound, code: code, message: message, details: details)
    }

    public static func conflict(_ code: String, _ message: String, details: [String: JSONValue] = [:]) -> APIError {
        APIError(.conflict, code: code, message: message, details: details)
    }

    public static func unprocessable(
        _ code: String, _ message: String, details: [String: JSONValue] = [:]
    )
        -> APIError
    {
        APIError(.unprocessableContent, code: code, message: message, details: details)
    }

    public static func rateLimited(retryAfter seconds: Int, scope: String) -> APIError {
        var headers = HTTPFields()
        headers[.retryAfter] = String(seconds)
        return APIError(
            .tooManyRequests, code: "rate_limited",
            message: "Too many requests; try again in \(seconds) second\(seconds == 1 ? "" : "s").",
            details: ["retry_after": .int(seconds), "scope": .string(scope)], headers: headers)
    }

    public static func upstream(_ service: String, _ message: String) -> APIError {
        APIError(
            .badGateway, code: "\(service)_unavailable", message: message, details: ["service": .string(service)])
    }

    /// The JSON body of an error: `{"error":{"code","message","details"}}`.
    struct Body: Encodable {
        struct Inner: Encodable {
            let code: String
            let message: String
            let details: [String: JSONValue]
        }
        let error: Inner
    }

    /// This error's JSON body.
    var body: Body { Body(error: .init(code: code, message: message, details: details)) }

    /// The JSON response for this error.
    public func response() -> Response {
        var response = JSON.response(body, status: status)
        for field in headers { response.headers.append(field) }
        return response
    }
}
