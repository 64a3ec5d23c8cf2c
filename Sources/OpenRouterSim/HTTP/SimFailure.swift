import OpubSurfaces

/// An error answer, written in OpenRouter's shape (`{"error":{"code","message","metadata"}}`) or, on
/// `/messages`, Anthropic's (`{"type":"error","error":{"type","message"}}`).
struct SimFailure: Error, Sendable {
    var status: Int
    var message: String
    var metadata: JSONValue = .null
    var retryAfter: Int?

    static func badRequest(_ message: String) -> SimFailure { SimFailure(status: 400, message: message) }
    static let missingCredentials = SimFailure(status: 401, message: "No auth credentials found")
    static let userNotFound = SimFailure(status: 401, message: "User not found.")
    static let managementOnly = SimFailure(status: 403, message: "Only management keys can perform this operation")
    static let managementKeyInference = SimFailure(
        status: 403,
        message: "Management keys cannot be used for inference. Create an API key with it and use that key.")
    static func notFound(_ message: String) -> SimFailure { SimFailure(status: 404, message: message) }

    func openRouterBody() -> JSONValue {
        .object([("error", .object([("code", .int(status)), ("message", .string(message)), ("metadata", metadata)]))])
    }

    /// Anthropic's error types for each status.
    var anthropicType: String {
        switch status {
        case 400, 413, 422: return "invalid_request_error"
        case 401: return "authentication_error"
        case 402: return "billing_error"
        case 403: return "permission_error"
        case 404: return "not_found_error"
        case 429: return "rate_limit_error"
        case 500: return "api_error"
        default: return status >= 500 ? "overloaded_error" : "invalid_request_error"
        }
    }

    /// Anthropic's envelope, with the `request_id` its SDK reads from every error.
    func anthropicBody() -> JSONValue {
        let letters = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        let requestID = "req_" + String((0..<24).map { _ in letters.randomElement() ?? "0" })
        return .object([
            ("type", .string("error")),
            ("error", .object([("type", .string(anthropicType)), ("message", .string(message))])),
            ("request_id", .string(requestID)),
        ])
    }
}

/// Which error shape a route answers with.
enum ErrorFormat: Sendable {
    case openRouter
    case anthropic
}
