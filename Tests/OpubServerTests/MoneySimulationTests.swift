import Foundation
import OpenRouter
import OpenRouterSim
import OpubCore
import OpubServer
import OpubStore
import OpubTestSupport
import Synchronization
import Testing

/// The deterministic simulation test of `quality.md`: for each seed, a random sequence of donations,
/// refunds, key creations, agent spend through the simulator, revokes, reconciles, provider faults
/// (timeouts, 5xx, 429, lost answers, overshoot), clock jumps and crashes at any lifecycle step. The
/// invariants must hold after every step, and at the end the provider and the database must agree.
///
/// `OPUB_SIM_SEEDS` (default 500) and `OPUB_SIM_STEPS` (default 200) size the run;
/// `OPUB_SIM_SEED=n` replays one seed. A failure names its seed and step.
@Suite("Money simulation")
struct MoneySimulationTests {
    static let environment = ProcessInfo.processInfo.environment
    static let seeds = Int(environment["OPUB_SIM_SEEDS"] ?? "") ?? 500
    static let steps = Int(environment["OPUB_SIM_STEPS"] ?? "") ?? 200
    static let shards = 8

    @Test("seeded scenarios keep every invariant and end in agreement with the provider", arguments: 0..<shards)
    func shard(_ shard: Int) async throws {
        let mine: [UInt64]
        if let only = Self.environment["OPUB_SIM_SEED"].flatMap(UInt64.init) {
            mine = shard == 0 ? [only] : []
        } else {
            mine = stride(from: shard, to: Self.seeds, by: Self.shards).map(UInt64.init)
        }
        for seed in mine {
            let failure = try await MoneyScenario.run(seed: seed, steps: Self.steps)
            if let failure {
                Issue.record("seed \(seed) failed (replay with OPUB_SIM_SEED=\(seed)): \(failure)")
                return
            }
        }
    }
}

/// SplitMix64: small, fast, and the same on every machine.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Throws a crash after a chosen number of provider calls: a process dying in the middle of a cycle.
final class CrashingProvider: ProviderKeys {
    let base: any ProviderKeys
    private let remaining = Mutex<Int?>(nil)

    init(_ base: any ProviderKeys) { self.base = base }

    func crash(afterCalls calls: Int?) { remaining.withLock { $0 = calls } }

    private func tick() throws {
        let crash = remaining.withLock { value -> Bool in
            guard let left = value else { return false }
            if left <= 0 {
                value = nil
                return true
            }
            value = left - 1
            return false
        }
        if crash { throw LifecycleCrash(after: .revokeSettled) }
    }

    func listEveryKey() async throws -> [ProviderKey] {
        try tick()
        return try await base.listEveryKey()
    }
    func createKey(_ request: CreateKeyRequest) async throws -> CreatedKey {
        try tick()
        return try await base.createKey(request)
    }
    func key(hash: String) async throws -> ProviderKey {
        try tick()
        return try await base.key(hash: hash)
    }
    func updateKey(hash: String, _ update: UpdateKeyRequest) async throws -> ProviderKey {
        try tick()
        return try await base.updateKey(hash: hash, update)
    }
    func deleteKey(hash: String) async throws {
        try tick()
        try await base.deleteKey(hash: hash)
    }
    func assignKeys(_ keyHashes: [String], toGuardrail id: String) async throws -> Int {
        try tick()
        return try await base.assignKeys(keyHashes, toGuardrail: id)
    }
    func createGuardrail(_ request: CreateGuardrailRequest) async throws -> Guardrail {
        try tick()
        return try await base.createGuardrail(request)
    }
    func activity(date: String?, apiKeyHash: String?) async throws -> [ActivityRecord] {
        try tick()
        return try await base.activity(date: date, apiKeyHash: apiKeyHash)
    }

    func listModels() async throws -> [ListedModel] { try await base.listModels() }
}

/// One seeded scenario.
enum MoneyScenario {
    static let managementKey = "sk-or-v1-" + String(repeating: "ef", count: 32)

    /// Returns a description of the first failure, or nil when the scenario held.
    static func run(seed: UInt64, steps: Int) async throws -> String? {
        let clock = ManualTimeSource(Timestamp(microsSinceEpoch: 1_800_000_000_000_000))
        let configuration = SimulatorConfiguration(managementKeys: [managementKey], seed: seed, timeSource: clock)
        return try await Store.withStore(url: .sqliteMemory, logger: quietLogger(), clock: clock) { store in
            try await store.migrate()
            return try await OpenRouterSimulator.withRunningServer(configuration: configuration) { simulator in
                var world = try await MoneyWorld(seed: seed, store: store, simulator: simulator, clock: clock)
                for step in 0..<steps {
                    let action = try await world.step()
                    let violations = try await LedgerVerifier(store: store).verify().violations
                    if let first = violations.first { return "step \(step) (\(action)): \(first)" }
                }
                return try await world.finish()
            }
        }
    }
}

struct MoneyWorld {
    var random: SeededRandom
    let store: Store
    let simulator: RunningSimulator
    let clock: ManualTimeSource
    let provider: CrashingProvider
    let projects: [ProjectID]
    var donations: [(DonationID, ProjectID)] = []
    var secrets: [KeyID: String] = [:]
    var counter = 0

    init(seed: UInt64, store: Store, simulator: RunningSimulator, clock: ManualTimeSource) async throws {
        random = SeededRandom(state: seed)
        self.store = store
        self.simulator = simulator
        self.clock = clock
        let client = OpenRouterClient(
            apiKey: MoneyScenario.managementKey,
            configuration: .init(
                baseURL: simulator.baseURL, timeout: .milliseconds(300),
                retryPolicy: RetryPolicy(maxAttempts: 2, baseDelay: .milliseconds(1), maxDelay: .milliseconds(2))))
        provider = CrashingProvider(client)
        var made: [ProjectID] = []
        for index in 0..<2 {
            let project = try await store.projects.create(try RepositoryName(parsing: "sim/project-\(index)"))
            try await store.engine.write { db in
                try await db.raw("UPDATE projects SET claimed_at = 1 WHERE id = \(bind: project.id.rawValue)").run()
            }
            made.append(project.id)
        }
        projects = made
    }

    mutating func pick<T>(_ items: [T]) -> T? {
        items.isEmpty ? nil : items[Int(random.next(upperBound: UInt64(items.count)))]
    }

    mutating func cents(_ range: ClosedRange<Int64>) -> Money {
        Money(
            micros: Int64(random.next(upperBound: UInt64(range.upperBound - range.lowerBound + 1))) * 10_000
                + range.lowerBound * 10_000)
    }

    mutating func chance(_ percent: UInt64) -> Bool { random.next(upperBound: UInt64(100)) < percent }

    mutating func probe() -> any LifecycleProbe {
        guard chance(15), let step = pick(LifecycleStep.allCases) else { return NoProbe() }
        return CrashAfterStep(step: step)
    }

    func activeKeys() async throws -> [ComputeKeyRecord] {
        try await store.keys.reconcilable().filter { $0.state == .active }
    }

    /// One random step; returns what it did.
    mutating func step() async throws -> String {
        counter += 1
        clock.advance(seconds: 1)
        let roll = random.next(upperBound: UInt64(100))
        let project = pick(projects)!
        switch roll {
        case 0..<10:
            let id = DonationID.random()
            let amount = cents(100...5_000)
            try await store.donations.recordCompleted(id, to: project, amount: amount)
            donations.append((id, project))
            return "donate \(amount.usdString)"
        case 10..<14:
            guard let (donation, _) = pick(donations) else { return "refund (none)" }
            let amount = cents(1...2_000)
            do {
                try await store.donations.refund(donation, amount: amount, reference: "re_\(counter)")
            } catch is StoreError {}
            return "refund \(amount.usdString)"
        case 14..<30:
            let limit = cents(100...2_000)
            // A third are monthly allowance keys, renewed as the clock crosses into a new month.
            let monthly = chance(33)
            let provisioner = KeyProvisioner(store: store, provider: provider, probe: probe(), logger: quietLogger())
            do {
                let made = try await provisioner.create(
                    in: project, KeyRequest(name: "key \(counter)", amount: monthly ? .monthly(limit) : .limit(limit)))
                secrets[made.key.id] = made.secret
            } catch is KeyRequestError {
            } catch is LifecycleCrash {
            } catch is KeyProvisioningError {}
            return "create \(limit.usdString)\(monthly ? " a month" : "")"
        case 30..<55:
            guard let key = pick(try await activeKeys()), let hash = key.providerHash else { return "spend (none)" }
            if chance(30), let secret = secrets[key.id] {
                let agent = OpenRouterClient(
                    apiKey: secret, configuration: .init(baseURL: simulator.baseURL, timeout: .seconds(2)))
                _ = try? await agent.chatCompletion(
                    ChatCompletionRequest(
                        model: "openai/gpt-5.4-mini", messages: [.init(role: "user", content: "step \(counter)")],
                        maxTokens: 200))
                return "agent request on \(key.id)"
            }
            // Usage straight at the provider, sometimes past the key's limit (overshoot); a third of it
            // through the operator's own provider keys (BYOK), which the cap counts too.
            let amount = Money(micros: Int64(random.next(upperBound: UInt64(3_000_000))) + 1)
            let byok = chance(33)
            await simulator.state.addUsage(toKey: hash, amount: amount, byok: byok)
            return "spend \(amount.usdString)\(byok ? " (BYOK)" : "") on \(key.id)"
        case 55..<59:
            guard let key = pick(try await activeKeys()) else { return "revoke (none)" }
            let revoker = KeyRevoker(store: store, provider: provider, probe: probe(), logger: quietLogger())
            _ = try? await revoker.revoke(key.id)
            return "revoke \(key.id)"
        case 59..<63:
            // Rotation: available must not move (checked after every step with the other invariants),
            // whatever step it crashes after and whatever the provider answers.
            guard let key = pick(try await activeKeys()) else { return "rotate (none)" }
            let before = try await store.projects.balances(key.projectID).available
            let provisioner = KeyProvisioner(store: store, provider: provider, probe: probe(), logger: quietLogger())
            if let made = try? await KeyRotator(provisioner: provisioner).rotate(key.id, by: nil) {
                secrets[made.key.id] = made.secret
            }
            // Only usage the old key made beyond its reservation (an overshoot, settled by the rotation)
            // may come out of available.
            let after = try #require(try await store.keys.find(key.id))
            let overshoot = max(.zero, (after.spent - key.spent) - key.reserved)
            let available = try await store.projects.balances(key.projectID).available
            if available != before - overshoot {
                throw TestFailure("rotate \(key.id) moved available from \(before) to \(available)")
            }
            return "rotate \(key.id)"
        case 63..<80:
            if chance(15) { provider.crash(afterCalls: Int(random.next(upperBound: UInt64(6)))) }
            let executor = ReconcileExecutor(store: store, provider: provider, logger: quietLogger())
            _ = try? await executor.runCycle()
            provider.crash(afterCalls: nil)
            return "reconcile"
        case 80..<90:
            let routes = ["POST /keys", "PATCH /keys/{hash}", "GET /keys", "DELETE /keys/{hash}", "GET /keys/{hash}"]
            let route = pick(routes)!
            let rule: FaultRule
            switch random.next(upperBound: UInt64(4)) {
            case 0: rule = FaultRule(route: route, errorStatus: 503, count: 1 + Int(random.next(upperBound: UInt64(3))))
            case 1: rule = FaultRule(route: route, errorStatus: 429, retryAfter: 0, count: 2)
            case 2: rule = FaultRule(route: route, dropAfterCommit: true, count: 1)
            default: rule = FaultRule(route: route, hangMs: 400, count: 1)
            }
            await simulator.state.addFaultRules([rule])
            return "fault \(rule.route)"
        default:
            if chance(20) {
                // Into the next UTC month: the next cycles roll allowances over, racing spend and caps.
                let next = AllowanceMonth(clock.now()).renewsOn.start
                clock.set(next.adding(seconds: Int64(random.next(upperBound: UInt64(120)))))
                return "advance to \(AllowanceMonth(clock.now()))"
            }
            let seconds = Int64(random.next(upperBound: UInt64(700)))
            clock.advance(seconds: seconds)
            return "advance \(seconds) s"
        }
    }

    /// No more faults: reconcile until settled, then compare the provider with the database.
    func finish() async throws -> String? {
        await simulator.state.setFaults(FaultSettings())
        // A request the client gave up on may still be hanging in the simulator (hang faults last
        // 400 ms of real time) and land later — e.g. a `POST /keys` creating a stray copy. Let them
        // land, so that the final cycles see everything the provider will ever have.
        try await Task.sleep(for: .milliseconds(600))
        // A patient client: during the scenario 300 ms timeouts simulate a slow provider, but a loaded
        // test machine must not turn the final convergence into a timing test.
        let patient = OpenRouterClient(
            apiKey: MoneyScenario.managementKey, configuration: .init(baseURL: simulator.baseURL, timeout: .seconds(30))
        )
        let executor = ReconcileExecutor(store: store, provider: patient, logger: quietLogger())
        var lastErrors: [String] = []
        // Two days of cycles: on the first, late charges may still post (their detail is then due the
        // next day); a day later every key's detail is readable, so revoked keys can be deleted (at most
        // 100 detail reads a cycle, each read key deleted the cycle after).
        for _ in 0..<2 {
            clock.advance(seconds: 86_400)
            for _ in 0..<4 {
                clock.advance(seconds: 700)
                lastErrors = try await executor.runCycle().errors
            }
        }
        if let error = lastErrors.first { return "at the end: the last reconcile still fails: \(error)" }
        if let violation = try await LedgerVerifier(store: store).verify().violations.first {
            return "at the end: \(violation)"
        }
        let remote = try await patient.listAllKeys(includeDisabled: true).filter { $0.name.hasPrefix("opub:") }
        let byHash = Dictionary(uniqueKeysWithValues: remote.map { ($0.hash, $0) })
        let live = try await store.keys.reconcilable()
        for key in live {
            guard key.state == .active else {
                return "at the end: \(key.id) is still \(key.state) after the settle window"
            }
            guard let hash = key.providerHash, let theirs = byHash[hash] else {
                return "at the end: active \(key.id) has no provider key"
            }
            if theirs.spend != key.spent {
                return "at the end: \(key.id) spent \(key.spent) but provider says \(theirs.spend) (BYOK included)"
            }
            if theirs.limit != key.limit {
                return "at the end: \(key.id) limit \(key.limit) but provider says \(String(describing: theirs.limit))"
            }
            if theirs.disabled { return "at the end: active \(key.id) is disabled at the provider" }
        }
        let liveHashes = Set(live.compactMap(\.providerHash))
        if let stray = remote.first(where: { !liveHashes.contains($0.hash) }) {
            return "at the end: provider key \(stray.name) belongs to no live key"
        }
        return nil
    }
}

/// Crashes right after one lifecycle step.
struct CrashAfterStep: LifecycleProbe {
    let step: LifecycleStep
    func reached(_ reached: LifecycleStep) async throws {
        if reached == step { throw LifecycleCrash(after: step) }
    }
}
