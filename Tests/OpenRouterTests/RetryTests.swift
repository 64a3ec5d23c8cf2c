import OpenRouter
import OpenRouterSim
import OpubCore
import Testing

@Suite("Retry rules")
struct RetryTests {
    @Test("POST is never retried: not after a 500, a 429, or a dropped answer")
    func postNeverRetried() async throws {
        try await withSimulatorWorld { sim in
            for rule in [
                FaultRule(route: "POST /keys", errorStatus: 500, count: 1),
                FaultRule(route: "POST /keys", errorStatus: 429, retryAfter: 1, count: 1),
            ] {
                await sim.faults(rule)
                await sim.state.resetRequestCounts()
                let error = await openRouterError { _ = try await sim.createKey("opub:ck_retry") }
                #expect(error != nil)
                #expect(await sim.state.requestCount("POST /keys") == 1)
            }
            #expect(sim.sleeper.delays.isEmpty)
            #expect(try await sim.admin.listKeys().isEmpty)

            // The answer is lost after the key was created: the ambiguous case the caller must resolve.
            await sim.faults(FaultRule(route: "POST /keys", dropAfterCommit: true, count: 1))
            await sim.state.resetRequestCounts()
            let dropped = await openRouterError { _ = try await sim.createKey("opub:ck_lost") }
            #expect(
                dropped == .providerDown(reason: "the connection closed before an answer", mayHaveSucceeded: true)
                    || dropped?.isAmbiguousProviderDown == true)
            #expect(await sim.state.requestCount("POST /keys") == 1)
            let orphans = try await sim.admin.listAllKeys().filter { $0.name == "opub:ck_lost" }
            #expect(orphans.count == 1)
        }
    }

    @Test("a 429 with Retry-After is waited out, then the GET succeeds")
    func retryAfterHonoured() async throws {
        try await withSimulatorWorld { sim in
            await sim.faults(FaultRule(route: "GET /keys", errorStatus: 429, retryAfter: 2, count: 2))
            await sim.state.resetRequestCounts()
            _ = try await sim.admin.listKeys()
            #expect(sim.sleeper.delays == [.seconds(2), .seconds(2)])
            #expect(await sim.state.requestCount("GET /keys") == 3)
        }
    }

    @Test("a Retry-After longer than the policy allows is returned to the caller")
    func retryAfterTooLong() async throws {
        try await withSimulatorWorld { sim in
            await sim.faults(FaultRule(route: "GET /credits", errorStatus: 429, retryAfter: 3600, count: 1))
            let error = await openRouterError { _ = try await sim.admin.credits() }
            #expect(error == .rateLimited(retryAfter: .seconds(3600), message: RetryTests.rateLimitMessage))
            #expect(sim.sleeper.delays.isEmpty)
        }
    }

    static let rateLimitMessage = "Rate limit exceeded (simulated). Slow down and retry after the Retry-After delay."

    @Test("5xx is retried for GET with jittered exponential backoff")
    func serverErrorsRetriedForGet() async throws {
        try await withSimulatorWorld { sim in
            let key = try await sim.createKey()
            await sim.faults(FaultRule(route: "GET /keys/{hash}", errorStatus: 502, count: 2))
            await sim.state.resetRequestCounts()
            #expect(try await sim.admin.key(hash: key.key.hash).hash == key.key.hash)
            #expect(await sim.state.requestCount("GET /keys/{hash}") == 3)
            // jitter 0.5: half the exponential delay plus half of the other half.
            #expect(sim.sleeper.delays == [.milliseconds(187.5), .milliseconds(375)])
        }
    }

    @Test("PATCH and DELETE are retried; a timeout on GET is retried")
    func idempotentWritesAndTimeouts() async throws {
        try await withSimulatorWorld { sim in
            let key = try await sim.createKey()
            await sim.faults(FaultRule(route: "PATCH /keys/{hash}", errorStatus: 500, count: 1))
            _ = try await sim.admin.updateKey(hash: key.key.hash, UpdateKeyRequest(disabled: true))
            await sim.faults(FaultRule(route: "DELETE /keys/{hash}", errorStatus: 503, count: 1))
            try await sim.admin.deleteKey(hash: key.key.hash)
            #expect(sim.sleeper.delays.count == 2)

            // The retry must answer within the timeout even on a loaded machine: 2 s against a 3.5 s hang.
            let impatient = sim.client(SimulatorWorld.managementKey, timeout: .seconds(2))
            await sim.faults(FaultRule(route: "GET /credits", hangMs: 3500, count: 1))
            _ = try await impatient.credits()
            #expect(sim.sleeper.delays.count == 3)
        }
    }

    @Test("retries stop after maxAttempts and the last error is thrown")
    func attemptsExhausted() async throws {
        try await withSimulatorWorld { sim in
            await sim.faults(FaultRule(route: "GET /credits", errorStatus: 500))
            await sim.state.resetRequestCounts()
            let error = await openRouterError { _ = try await sim.admin.credits() }
            #expect(error?.isAmbiguousProviderDown == true)
            #expect(await sim.state.requestCount("GET /credits") == 4)
            #expect(sim.sleeper.delays.count == 3)
        }
    }

    @Test("backoff doubles up to the cap and jitter stays within [d/2, d]")
    func backoffShape() {
        let policy = RetryPolicy(maxAttempts: 10, baseDelay: .milliseconds(100), maxDelay: .seconds(1))
        #expect(policy.backoff(afterAttempt: 1, random: 1) == .milliseconds(100))
        #expect(policy.backoff(afterAttempt: 2, random: 1) == .milliseconds(200))
        #expect(policy.backoff(afterAttempt: 3, random: 0) == .milliseconds(200))
        #expect(policy.backoff(afterAttempt: 9, random: 1) == .seconds(1))
    }
}

extension OpenRouterError {
    var isAmbiguousProviderDown: Bool {
        if case .providerDown(_, true) = self { return true }
        return false
    }
}
