/// When and how long the client waits before trying an idempotent call again.
///
/// Only GET, PATCH and DELETE are retried, and only after a 429 (waiting out `Retry-After` when given)
/// or a 5xx, timeout or connection failure. POST is never retried: a lost answer to `POST /keys` may
/// mean a key exists, which the caller resolves with the ambiguous-failure procedure.
public struct RetryPolicy: Sendable, Hashable {
    /// Attempts in all, the first included. 1 disables retries.
    public var maxAttempts: Int
    /// The backoff before the second attempt; it doubles with each further attempt.
    public var baseDelay: Duration
    /// The largest backoff.
    public var maxDelay: Duration
    /// The longest `Retry-After` the client waits out; a longer one is returned to the caller as
    /// ``OpenRouterError/rateLimited(retryAfter:message:)``.
    public var maxRetryAfter: Duration

    public init(
        maxAttempts: Int = 4, baseDelay: Duration = .milliseconds(250), maxDelay: Duration = .seconds(8),
        maxRetryAfter: Duration = .seconds(60)
    ) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.maxRetryAfter = maxRetryAfter
    }

    /// Four attempts, 250 ms doubling to at most 8 s, `Retry-After` honoured up to a minute.
    public static let standard = RetryPolicy()
    /// One attempt only.
    public static let never = RetryPolicy(maxAttempts: 1)

    /// Equal jitter: half of the exponential delay plus a random part of the other half, so that
    /// clients that failed together do not retry together. `random` is in `0..<1`.
    public func backoff(afterAttempt attempt: Int, random: Double) -> Duration {
        let exponent = min(max(attempt - 1, 0), 20)
        var delay = baseDelay * (1 << exponent)
        if delay > maxDelay { delay = maxDelay }
        let half = Self.nanoseconds(delay) / 2
        let jitter = Int64((Double(half) * min(max(random, 0), 1)).rounded())
        return .nanoseconds(half + jitter)
    }

    static func nanoseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000
    }

    /// How long to wait before the next attempt after `error`, or nil when it must not be retried.
    func delay(after error: OpenRouterError, attempt: Int, random: Double) -> Duration? {
        guard attempt < maxAttempts else { return nil }
        switch error {
        case .rateLimited(let retryAfter, _):
            guard let retryAfter else { return backoff(afterAttempt: attempt, random: random) }
            return retryAfter <= maxRetryAfter ? retryAfter : nil
        case .providerDown:
            return backoff(afterAttempt: attempt, random: random)
        default:
            return nil
        }
    }
}
