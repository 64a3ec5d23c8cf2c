import OpubCore

/// A token bucket's shape: it holds up to `capacity` requests and regains one every
/// `secondsPerToken` seconds.
public struct TokenBucket: Sendable, Hashable {
    public var capacity: Int
    public var secondsPerToken: Double

    public init(capacity: Int, secondsPerToken: Double) {
        self.capacity = capacity
        self.secondsPerToken = secondsPerToken
    }
}

/// A named limit applied per client IP and per signed-in user (either may be nil).
public struct RateLimitRule: Sendable, Hashable {
    public var name: String
    public var perIP: TokenBucket?
    public var perUser: TokenBucket?

    public init(name: String, perIP: TokenBucket?, perUser: TokenBucket?) {
        self.name = name
        self.perIP = perIP
        self.perUser = perUser
    }
}

/// In-memory token buckets keyed by rule, scope and caller. Per replica: with several replicas the
/// effective limit is that many times higher, which is fine for abuse protection.
public actor RateLimiter {
    struct State {
        var tokens: Double
        var updated: Timestamp
    }

    let clock: any TimeSource
    let maximumBuckets: Int
    var buckets: [String: State] = [:]

    public init(clock: any TimeSource, maximumBuckets: Int = 100_000) {
        self.clock = clock
        self.maximumBuckets = maximumBuckets
    }

    /// Takes one token from `key`'s bucket: nil when allowed, else the whole seconds until one is back.
    public func take(_ bucket: TokenBucket, key: String) -> Int? {
        let now = clock.now()
        var state = buckets[key] ?? State(tokens: Double(bucket.capacity), updated: now)
        let elapsed = Double(now.microsSinceEpoch - state.updated.microsSinceEpoch) / 1_000_000
        state.tokens = min(Double(bucket.capacity), state.tokens + max(0, elapsed) / bucket.secondsPerToken)
        state.updated = now
        defer {
            buckets[key] = state
            if buckets.count > maximumBuckets { prune(now: now) }
        }
        if state.tokens >= 1 {
            state.tokens -= 1
            return nil
        }
        return max(1, Int(((1 - state.tokens) * bucket.secondsPerToken).rounded(.up)))
    }

    /// How many callers are tracked.
    public var bucketCount: Int { buckets.count }

    /// Drops the buckets idle longest (a full bucket and a forgotten one behave the same).
    func prune(now: Timestamp) {
        let sorted = buckets.sorted { $0.value.updated < $1.value.updated }
        for (key, _) in sorted.prefix(buckets.count - maximumBuckets / 2) {
            buckets[key] = nil
        }
    }
}

/// The limits opub applies, and the check routes call. Defaults are generous for people and
/// tight for scripts; tests inject their own.
public struct RateLimits: Sendable {
    public var signIn: RateLimitRule
    public var donationCreation: RateLimitRule
    public var projectRegistration: RateLimitRule
    public var keyCreation: RateLimitRule
    /// The CLI routes, per IP (a heartbeat every 30 s per session leaves ample room).
    public var cli: RateLimitRule
    /// Whole-ledger CSV exports, per IP: each reads a project's entire chain.
    public var ledgerExport: RateLimitRule
    let limiter: RateLimiter

    public init(
        limiter: RateLimiter,
        signIn: RateLimitRule = RateLimitRule(
            name: "sign_in", perIP: TokenBucket(capacity: 20, secondsPerToken: 3), perUser: nil),
        donationCreation: RateLimitRule = RateLimitRule(
            name: "donation_creation", perIP: TokenBucket(capacity: 60, secondsPerToken: 10),
            perUser: TokenBucket(capacity: 20, secondsPerToken: 30)),
        projectRegistration: RateLimitRule = RateLimitRule(
            name: "project_registration", perIP: TokenBucket(capacity: 60, secondsPerToken: 10),
            perUser: TokenBucket(capacity: 30, secondsPerToken: 20)),
        keyCreation: RateLimitRule = RateLimitRule(
            name: "key_creation", perIP: TokenBucket(capacity: 30, secondsPerToken: 10),
            perUser: TokenBucket(capacity: 20, secondsPerToken: 30)),
        cli: RateLimitRule = RateLimitRule(cliRequestsPerSecond: 20),
        ledgerExport: RateLimitRule = RateLimitRule(
            name: "ledger_export", perIP: TokenBucket(capacity: 10, secondsPerToken: 30), perUser: nil)
    ) {
        self.ledgerExport = ledgerExport
        self.limiter = limiter
        self.signIn = signIn
        self.donationCreation = donationCreation
        self.projectRegistration = projectRegistration
        self.keyCreation = keyCreation
        self.cli = cli
    }

    /// Takes a token for the caller of `context` under `rule`; 429 with `Retry-After` when either
    /// the IP's or the user's bucket is empty. Reusable by any route.
    public func check(_ rule: RateLimitRule, context: AppRequestContext) async throws {
        if let bucket = rule.perIP {
            let ip = context.peerAddress ?? "unknown"
            if let wait = await limiter.take(bucket, key: "\(rule.name)|ip|\(ip)") {
                throw APIError.rateLimited(retryAfter: wait, scope: "ip")
            }
        }
        if let bucket = rule.perUser, let user = context.identity?.user.id {
            if let wait = await limiter.take(bucket, key: "\(rule.name)|user|\(user)") {
                throw APIError.rateLimited(retryAfter: wait, scope: "user")
            }
        }
    }
}

extension RateLimitRule {
    /// The CLI routes' rule: `rate` requests per second per client address with bursts of 30 seconds'
    /// worth; no limit when `rate` is 0.
    public init(cliRequestsPerSecond rate: Int) {
        self.init(
            name: "cli", perIP: rate > 0 ? TokenBucket(capacity: rate * 30, secondsPerToken: 1 / Double(rate)) : nil,
            perUser: nil)
    }
}
