import HTTPTypes
import Hummingbird
import HummingbirdTesting
import OpubCore
import OpubServer
import OpubTestSupport
import Testing

/// Behind a proxy the client address comes from `X-Forwarded-For`, counted from the right: a client that
/// forges the leftmost entry still meets its own rate limit.
@Suite("X-Forwarded-For")
struct ForwardedForTests {
    func statuses(_ app: AppWorld, forwardedFor: (Int) -> String, count: Int) async throws -> [Int] {
        var statuses: [Int] = []
        for index in 0..<count {
            var headers = HTTPFields()
            headers[HTTPField.Name("X-Forwarded-For")!] = forwardedFor(index)
            let answer = try await app.client.execute(
                uri: "/api/v1/cli/keys/ck_nosuchkey", method: .get, headers: headers)
            statuses.append(Int(answer.status.code))
        }
        return statuses
    }

    /// The app behind `settings`, with a CLI limit of 30 requests per client and no refill during the
    /// test (an hour per token), so that a slow machine cannot refill the bucket between requests.
    func withForwarding(_ settings: [String: String], _ body: @Sendable (AppWorld) async throws -> Void) async throws {
        try await withTestStore(.sqlite) { store, _ in
            let configuration = try await sandboxConfiguration(settings)
            let limits = RateLimits(
                limiter: RateLimiter(clock: SystemTimeSource()),
                cli: RateLimitRule(name: "cli", perIP: TokenBucket(capacity: 30, secondsPerToken: 3600), perUser: nil))
            try await withAppWorld(configuration, store: store, rateLimits: limits, body)
        }
    }

    @Test("a forged leftmost entry does not escape the per-client limit (one trusted proxy)")
    func forgedLeftmost() async throws {
        try await withForwarding(["OPUB_TRUST_FORWARDED_FOR": "true"]) { app in
            // The proxy appended the real client (203.0.113.7); everything left of it is the client's.
            let forged = try await statuses(app, forwardedFor: { "10.0.0.\($0), 203.0.113.7" }, count: 31)
            #expect(forged.prefix(30).allSatisfy { $0 != 429 })
            #expect(forged.last == 429, "the 31st request of one client within the burst is limited")
            // Different real clients behind the same proxy each have their own bucket.
            let many = try await statuses(app, forwardedFor: { "198.51.100.\($0)" }, count: 40)
            #expect(!many.contains(429))
        }
    }

    @Test("with two trusted proxies the client is the second entry from the right")
    func twoHops() async throws {
        try await withForwarding(["OPUB_TRUSTED_PROXIES": "2"]) { app in
            let answers = try await statuses(
                app, forwardedFor: { "forged-\($0), 203.0.113.9, 10.1.1.\($0)" }, count: 31)
            #expect(answers.last == 429)
        }
    }
}
