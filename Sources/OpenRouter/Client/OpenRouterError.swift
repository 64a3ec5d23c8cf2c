/// Why a call to OpenRouter failed, in the classes opub acts on differently.
///
/// Messages come from the provider with any `sk-or-v1-…` secret replaced by its label; no case ever
/// carries a secret.
public enum OpenRouterError: Error, Sendable, Hashable, CustomStringConvertible {
    /// 401: the key is unknown, deleted, disabled or expired, or no key was sent.
    case unauthorized(message: String)
    /// 403 other than a spent limit: e.g. a normal key on a management endpoint, or a guardrail refusal.
    case forbidden(message: String)
    /// 404: no such key, guardrail or generation.
    case notFound(message: String)
    /// The key's budget cannot pay for the request: 403 `Key limit exceeded…` (nothing left) or
    /// 402 (not enough left for the request's worst case, or the account is out of credits).
    case limitExhausted(status: Int, message: String)
    /// 429. `retryAfter` is the provider's `Retry-After`, when it sent one.
    case rateLimited(retryAfter: Duration?, message: String)
    /// 5xx, a timeout, or a connection failure. When `mayHaveSucceeded` is true the provider may have
    /// performed the request (the answer was lost), so a non-idempotent call needs the ambiguous-failure
    /// procedure rather than a blind retry.
    case providerDown(reason: String, mayHaveSucceeded: Bool)
    /// Any other 4xx: the request itself was refused (bad input).
    case rejected(status: Int, message: String)
    /// The provider answered with a success status but a body opub cannot read.
    case malformedResponse(String)

    public var description: String {
        switch self {
        case .unauthorized(let message):
            return "OpenRouter did not accept the key (401): \(message) Check that the key exists and is enabled."
        case .forbidden(let message):
            return "OpenRouter refused the request (403): \(message)"
        case .notFound(let message):
            return "OpenRouter has no such resource (404): \(message)"
        case .limitExhausted(let status, let message):
            return "The key's spending limit is used up (\(status)): \(message)"
        case .rateLimited(let retryAfter, let message):
            let wait = retryAfter.map { " Retry after \($0.components.seconds) s." } ?? " Retry later."
            return "OpenRouter is rate limiting requests (429): \(message)\(wait)"
        case .providerDown(let reason, let mayHaveSucceeded):
            let note = mayHaveSucceeded ? " The request may have been carried out." : ""
            return "OpenRouter is unavailable: \(reason).\(note) Try again later."
        case .rejected(let status, let message):
            return "OpenRouter rejected the request (\(status)): \(message)"
        case .malformedResponse(let detail):
            return "OpenRouter sent a response opub cannot read: \(detail)"
        }
    }

    /// The HTTP status the provider answered with, when there was an answer.
    public var status: Int? {
        switch self {
        case .unauthorized: return 401
        case .forbidden: return 403
        case .notFound: return 404
        case .limitExhausted(let status, _), .rejected(let status, _): return status
        case .rateLimited: return 429
        case .providerDown, .malformedResponse: return nil
        }
    }

    /// Classifies an error answer. `message` is the provider's `error.message` (already redacted).
    static func from(status: Int, message: String, retryAfter: Duration?) -> OpenRouterError {
        switch status {
        case 401: return .unauthorized(message: message)
        case 402: return .limitExhausted(status: 402, message: message)
        case 403 where message.hasPrefix("Key limit exceeded"):
            return .limitExhausted(status: 403, message: message)
        case 403: return .forbidden(message: message)
        case 404: return .notFound(message: message)
        case 408: return .providerDown(reason: "request timeout (408): \(message)", mayHaveSucceeded: true)
        case 429: return .rateLimited(retryAfter: retryAfter, message: message)
        case 500...599: return .providerDown(reason: "HTTP \(status): \(message)", mayHaveSucceeded: true)
        default: return .rejected(status: status, message: message)
        }
    }
}
