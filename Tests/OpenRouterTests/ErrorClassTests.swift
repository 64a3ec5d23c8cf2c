import Hummingbird
import Logging
import OpenRouter
import OpenRouterSim
import OpubCore
import Testing

@Suite("Every error class, over HTTP")
struct ErrorClassTests {
    @Test("401 for a missing, unknown, disabled or expired key")
    func unauthorized() async throws {
        try await withSimulatorWorld { sim in
            #expect(
                await openRouterError { _ = try await sim.client("").currentKey() }
                    == .unauthorized(message: "No auth credentials found"))
            let unknown = "sk-or-v1-" + String(repeating: "0", count: 64)
            #expect(
                await openRouterError { _ = try await sim.client(unknown).currentKey() }
                    == .unauthorized(message: "User not found."))
            #expect(
                await openRouterError { _ = try await sim.client(unknown).listKeys() }
                    == .unauthorized(message: "User not found."))

            let disabled = try await sim.createKey("disabled")
            _ = try await sim.admin.updateKey(hash: disabled.key.hash, UpdateKeyRequest(disabled: true))
            #expect(await openRouterError { _ = try await sim.chat(disabled.secret) }?.status == 401)

            let expiring = try await sim.createKey("expiring", expiresAt: SimulatorWorld.start.adding(seconds: 3600))
            _ = try await sim.chat(expiring.secret)
            sim.clock.advance(seconds: 3600)
            #expect(await openRouterError { _ = try await sim.chat(expiring.secret) }?.status == 401)
        }
    }

    @Test("403: a normal key on a management endpoint, and a management key on inference")
    func forbidden() async throws {
        try await withSimulatorWorld { sim in
            let key = try await sim.createKey()
            #expect(
                await openRouterError { _ = try await sim.client(key.secret).listKeys() }
                    == .forbidden(message: "Only management keys can perform this operation"))
            #expect(await openRouterError { _ = try await sim.client(key.secret).credits() }?.status == 403)
            let inference = await openRouterError { _ = try await sim.chat(SimulatorWorld.managementKey) }
            guard case .forbidden? = inference else {
                Issue.record("expected 403 for a management key on inference, got \(String(describing: inference))")
                return
            }
        }
    }

    @Test("404 for an unknown key hash, 400 for an unknown model")
    func notFoundAndRejected() async throws {
        try await withSimulatorWorld { sim in
            #expect(
                await openRouterError { _ = try await sim.admin.key(hash: "feed") }
                    == .notFound(message: "Key not found"))
            #expect(await openRouterError { _ = try await sim.admin.deleteKey(hash: "feed") }?.status == 404)
            let key = try await sim.createKey()
            #expect(
                await openRouterError { _ = try await sim.chat(key.secret, model: "nobody/nothing") }
                    == .rejected(status: 400, message: "nobody/nothing is not a valid model ID"))
        }
    }

    @Test("429 carries Retry-After; 5xx, timeouts, drops and refused connections are providerDown")
    func rateLimitedAndDown() async throws {
        try await withSimulatorWorld { sim in
            // Generous for a loaded machine: only the deliberate hang below may exceed it.
            let admin = sim.client(SimulatorWorld.managementKey, retry: .never, timeout: .seconds(2))
            await sim.faults(FaultRule(route: "GET /credits", errorStatus: 429, retryAfter: 7, count: 1))
            let limited = await openRouterError { _ = try await admin.credits() }
            guard case .rateLimited(let retryAfter, _)? = limited else {
                Issue.record("expected 429, got \(String(describing: limited))")
                return
            }
            #expect(retryAfter == .seconds(7))

            await sim.faults(FaultRule(route: "GET /credits", errorStatus: 503, count: 1))
            guard case .providerDown(_, let ambiguous)? = await openRouterError({ _ = try await admin.credits() })
            else {
                Issue.record("expected providerDown for 503")
                return
            }
            #expect(ambiguous)

            await sim.faults(FaultRule(route: "GET /credits", hangMs: 3500, count: 1))
            guard case .providerDown(let reason, true)? = await openRouterError({ _ = try await admin.credits() })
            else {
                Issue.record("expected providerDown for a timeout")
                return
            }
            #expect(reason.contains("no answer"))

            await sim.faults(FaultRule(route: "GET /credits", dropAfterCommit: true, count: 1))
            guard case .providerDown(_, true)? = await openRouterError({ _ = try await admin.credits() }) else {
                Issue.record("expected providerDown for a dropped answer")
                return
            }

            // AsyncHTTPClient keeps retrying a refused connection until the deadline; keep it short.
            let nowhere = sim.client(
                SimulatorWorld.managementKey, retry: .never, timeout: .seconds(1),
                baseURL: "http://127.0.0.1:1/api/v1")
            guard case .providerDown(_, false)? = await openRouterError({ _ = try await nowhere.credits() }) else {
                Issue.record("expected providerDown (not sent) for a refused connection")
                return
            }
        }
    }

    @Test("a 200 with a body the client cannot read is malformedResponse; the simulator mounts under a prefix")
    func malformedAndMounted() async throws {
        let simulator = OpenRouterSimulator(
            configuration: SimulatorConfiguration(managementKeys: [SimulatorWorld.managementKey], seed: 7))
        let router = Router()
        simulator.addRoutes(to: router.group("sandbox/openrouter/api/v1"))
        router.get("broken/api/v1/credits") { _, _ in "this is not JSON" }
        // Someone else's key with fields opub cannot read (an unknown reset window, a string usage, no
        // created_at) beside one of opub's; then, under another root, one of opub's own that is unreadable.
        let opubRow = """
            {"hash":"aa","name":"opub:ck_1","label":"sk-or-v1-aaa...aaaa","disabled":false,"limit":5,
            "limit_remaining":-0.5,"limit_reset":"fortnightly","include_byok_in_limit":true,"usage":4,
            "byok_usage":1.5,"created_at":"2026-03-04T12:00:00Z","updated_at":null}
            """
        router.get("odd/api/v1/keys") { request, _ in
            request.uri.queryParameters.get("offset") == "0"
                ? "{\"data\":[{\"hash\":\"bb\",\"name\":\"operator key\",\"usage\":\"lots\",\"limit_reset\":7},\(opubRow)]}"
                : "{\"data\":[]}"
        }
        router.get("unreadable/api/v1/keys") { _, _ in "{\"data\":[{\"hash\":\"cc\",\"name\":\"opub:ck_2\"}]}" }
        // At scale: 10,000 of opub's keys in pages of 100 with the odd foreign key among them.
        router.get("scale/api/v1/keys") { request, _ in
            let offset = Int(request.uri.queryParameters.get("offset") ?? "0") ?? 0
            let rows = (offset..<min(offset + 100, 10_001)).map { index in
                index == 5_000
                    ? "{\"hash\":\"odd\",\"name\":\"operator key\",\"usage\":null,\"limit_remaining\":\"-\"}"
                    : opubRow.replacingOccurrences(of: "\"aa\"", with: "\"h\(index)\"")
            }
            return "{\"data\":[\(rows.joined(separator: ","))]}"
        }
        let (ports, sink) = AsyncStream<Int>.makeStream()
        var logger = Logger(label: "test")
        logger.logLevel = .critical  // cancelling the app below logs an expected CancellationError
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                sink.yield(channel.localAddress?.port ?? 0)
                sink.finish()
            }, logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.run() }
            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next())
            let root = "http://127.0.0.1:\(port)"
            func client(_ base: String) -> OpenRouterClient {
                OpenRouterClient(
                    apiKey: SimulatorWorld.managementKey,
                    configuration: .init(baseURL: root + base, retryPolicy: .never))
            }
            let broken = await openRouterError { _ = try await client("/broken/api/v1").credits() }
            guard case .malformedResponse? = broken else {
                Issue.record("expected malformedResponse, got \(String(describing: broken))")
                group.cancelAll()
                return
            }
            let odd = try await client("/odd/api/v1").listAllKeys()
            #expect(odd.map(\.hash) == ["aa"])
            #expect(odd.first?.spend == Money(dollars: 5, cents: 50))  // credits and BYOK together
            #expect(odd.first?.limitRemaining == Money(dollars: 0, cents: -50))  // overspent: negative, not clamped
            #expect(odd.first?.limitReset == nil)  // an unknown window reads as none
            let scaled = try await client("/scale/api/v1").listAllKeys()
            #expect(scaled.count == 10_000 && !scaled.contains { $0.hash == "odd" })
            let unreadable = await openRouterError { _ = try await client("/unreadable/api/v1").listAllKeys() }
            guard case .malformedResponse? = unreadable else {
                Issue.record("an unreadable key of opub's must fail the listing, got \(String(describing: unreadable))")
                group.cancelAll()
                return
            }
            let mounted = client("/sandbox/openrouter/api/v1")
            let created = try await mounted.createKey(CreateKeyRequest(name: "sandbox"))
            #expect(try await mounted.key(hash: created.key.hash).name == "sandbox")
            group.cancelAll()
        }
    }

    @Test("error messages and descriptions never carry a secret")
    func noSecretsInErrors() async throws {
        try await withSimulatorWorld { sim in
            let key = try await sim.createKey()
            let error = await openRouterError { _ = try await sim.client(key.secret).listKeys() }
            #expect(!"\(String(describing: error))".contains(key.secret))
            let client = sim.client(key.secret)
            #expect(!"\(client)".contains(key.secret))
            var dumped = ""
            dump(client, to: &dumped)
            #expect(!dumped.contains(key.secret))
        }
    }
}
