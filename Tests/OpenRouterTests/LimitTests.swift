import OpenRouter
import OpenRouterSim
import OpubCore
import Testing

@Suite("Limits as OpenRouter enforces them")
struct LimitTests {
    @Test("a key spent to its limit gets 403 Key limit exceeded (total limit)")
    func exhausted() async throws {
        try await withSimulatorWorld { sim in
            let key = try await sim.createKey(limit: Money(micros: 100))
            _ = try await sim.admin.state(chargeUSD: "0.0001", to: key.key.hash, via: sim)
            let error = await openRouterError { _ = try await sim.chat(key.secret) }
            guard case .limitExhausted(403, let message)? = error else {
                Issue.record("expected 403 limitExhausted, got \(String(describing: error))")
                return
            }
            #expect(message.hasPrefix("Key limit exceeded (total limit). "))
            #expect(try await sim.admin.key(hash: key.key.hash).limitRemaining == .zero)
        }
    }

    @Test("a request whose worst case exceeds what is left gets 402 with the affordable token count")
    func unaffordable() async throws {
        try await withSimulatorWorld { sim in
            // gpt-5.4-mini: 150 n$ per prompt token, 600 n$ per completion token.
            let key = try await sim.createKey(limit: Money(micros: 100))
            // "Hello": 4 + 2 = 6 prompt tokens = 900 n$; 100,000 n$ left → (100,000 − 900) / 600 = 165.
            let error = await openRouterError { _ = try await sim.chat(key.secret, prompt: "Hello", maxTokens: 1000) }
            #expect(
                error
                    == .limitExhausted(
                        status: 402,
                        message: "This request requires more credits, or fewer max_tokens. You requested up to 1000 "
                            + "tokens, but can only afford 165. To increase, visit https://openrouter.ai/settings/keys "
                            + "and create a key with a higher total limit"))
            let fits = try await sim.chat(key.secret, prompt: "Hello", maxTokens: 165)
            #expect(fits.usage.promptTokens == 6)
            #expect(try await sim.admin.key(hash: key.key.hash).usage == fits.usage.cost)
        }
    }

    @Test("without max_tokens the model's maximum output is the worst case")
    func defaultWorstCase() async throws {
        try await withSimulatorWorld { sim in
            let key = try await sim.createKey(limit: Money(dollars: 0, cents: 50))
            let error = await openRouterError {
                _ = try await sim.chat(key.secret, model: "anthropic/claude-sonnet-4.6", maxTokens: nil)
            }
            #expect(error?.status == 402)
            _ = try await sim.chat(key.secret, model: "openai/gpt-5.4-mini", maxTokens: nil)
        }
    }

    @Test("overshoot mode charges the actual cost past the limit")
    func overshoot() async throws {
        try await withSimulatorWorld { sim in
            let key = try await sim.createKey(limit: Money(micros: 10))
            await sim.faults(overshoot: true)
            let answer = try await sim.chat(key.secret, prompt: "[sim:tokens=100]", maxTokens: 1000)
            #expect(answer.usage.completionTokens == 100)
            let after = try await sim.admin.key(hash: key.key.hash)
            #expect(after.usage > Money(micros: 10))
            // Overspent: the remaining limit is reported negative, never clamped.
            #expect(after.limitRemaining == Money(micros: 10) - after.usage)
            #expect(after.limitRemaining?.isNegative == true)
            #expect(await openRouterError { _ = try await sim.chat(key.secret) }?.status == 403)
        }
    }

    /// From Wednesday 2026-03-04 12:00 UTC: seconds to the last second of each window.
    static let windowEnds: [(KeyLimitReset, Int64)] = [
        (.daily, 12 * 3600 - 1),
        (.weekly, 4 * 86_400 + 12 * 3600 - 1),
        (.monthly, 27 * 86_400 + 12 * 3600 - 1),
    ]

    @Test("windows reset at 00:00 UTC; weeks start on Monday", arguments: windowEnds)
    func windows(reset: KeyLimitReset, secondsToWindowEnd: Int64) async throws {
        try await withSimulatorWorld { sim in
            let key = try await sim.createKey(limit: Money(micros: 100), reset: reset)
            try await sim.admin.state(chargeUSD: "0.0001", to: key.key.hash, via: sim)
            #expect(await openRouterError { _ = try await sim.chat(key.secret) }?.status == 403)
            sim.clock.advance(seconds: secondsToWindowEnd)
            let stillSpent = await openRouterError { _ = try await sim.chat(key.secret) }
            let expected =
                "Key limit exceeded (\(reset.rawValue) limit). Manage it using https://openrouter.ai/settings/keys"
            #expect(stillSpent == .limitExhausted(status: 403, message: expected))
            sim.clock.advance(seconds: 1)
            let fresh = try await sim.admin.key(hash: key.key.hash)
            #expect(fresh.limitRemaining == Money(micros: 100))
            #expect(fresh.usage == Money(micros: 100))
            _ = try await sim.chat(key.secret, maxTokens: 10)
        }
    }

    @Test("usage_daily/weekly/monthly follow the calendar")
    func usageCounters() async throws {
        try await withSimulatorWorld { sim in
            let key = try await sim.createKey()
            try await sim.admin.state(chargeUSD: "1", to: key.key.hash, via: sim)
            sim.clock.advance(seconds: 12 * 3600)  // Thursday 00:00
            try await sim.admin.state(chargeUSD: "2", to: key.key.hash, via: sim)
            var seen = try await sim.admin.key(hash: key.key.hash)
            #expect(seen.usageDaily == Money(dollars: 2))
            #expect(seen.usageWeekly == Money(dollars: 3))
            sim.clock.advance(seconds: 4 * 86_400)  // Monday 00:00
            seen = try await sim.admin.key(hash: key.key.hash)
            #expect(seen.usageDaily == .zero)
            #expect(seen.usageWeekly == .zero)
            #expect(seen.usageMonthly == Money(dollars: 3))
            #expect(seen.usage == Money(dollars: 3))
        }
    }

    @Test("usage lag: /keys shows a charge only after the configured delay")
    func usageLag() async throws {
        try await withSimulatorWorld { sim in
            let key = try await sim.createKey(limit: Money(dollars: 1))
            await sim.faults(usageLagSeconds: 30)
            let answer = try await sim.chat(key.secret)
            #expect(try await sim.admin.key(hash: key.key.hash).usage == .zero)
            sim.clock.advance(seconds: 30)
            #expect(try await sim.admin.key(hash: key.key.hash).usage == answer.usage.cost)
        }
    }

    @Test("concurrent requests cannot overshoot a limit without the overshoot fault")
    func noConcurrentOvershoot() async throws {
        try await withSimulatorWorld { sim in
            let key = try await sim.createKey(limit: Money(micros: 500))
            await withTaskGroup(of: Void.self) { group in
                for index in 0..<40 {
                    group.addTask { _ = try? await sim.chat(key.secret, prompt: "p\(index)", maxTokens: 64) }
                }
            }
            let after = try await sim.admin.key(hash: key.key.hash)
            #expect(after.usage <= Money(micros: 500))
            #expect(after.usage > .zero)
        }
    }
}

extension OpenRouterClient {
    /// `POST /_sim/charge` through the simulator's test endpoint.
    @discardableResult
    func state(chargeUSD usd: String, to hash: String, via sim: SimulatorWorld) async throws -> Int {
        let answer = try await sim.raw(
            "POST", "/_sim/charge", key: SimulatorWorld.managementKey,
            body: #"{"key_hash":"\#(hash)","usd":"\#(usd)"}"#)
        #expect(answer.status == 200)
        return answer.status
    }
}
