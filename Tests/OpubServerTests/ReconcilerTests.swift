import OpenRouter
import OpenRouterSim
import OpubCore
import OpubServer
import OpubStore
import OpubTestSupport
import Synchronization
import Testing

@Suite("Reconciler", .serialized)
struct ReconcilerTests {
    @Test("spend at the provider is posted once, however often the cycle runs", arguments: TestEngine.available)
    func spend(engine: TestEngine) async throws {
        try await withLifecycleWorld(engine) { h in
            let project = try await h.project(dollars: 20)
            let made = try await h.provisioner.create(in: project.id, KeyRequest(name: "k", limit: Money(dollars: 10)))
            try await h.charge(made.key, usd: "0.012345")
            for _ in 0..<3 { _ = try await h.executor.runCycle() }
            let key = try #require(try await h.store.keys.find(made.key.id))
            #expect(key.spent == Money(micros: 12_345))
            #expect(key.reserved == Money(dollars: 10) - Money(micros: 12_345))
            #expect(try await h.store.ledger.count() == 3)
            #expect(try await h.verify() == [])
        }
    }

    @Test("BYOK usage is spend: posted exactly, and the provider cap counts it", arguments: TestEngine.available)
    func byokSpend(engine: TestEngine) async throws {
        try await withLifecycleWorld(engine) { h in
            let project = try await h.project(dollars: 20)
            let made = try await h.provisioner.create(in: project.id, KeyRequest(name: "k", limit: Money(dollars: 5)))
            #expect(try await h.providerKey(made.key).includeBYOKInLimit)
            try await h.charge(made.key, usd: "1.25")
            try await h.charge(made.key, usd: "2.5", byok: true)
            _ = try await h.executor.runCycle()
            let key = try #require(try await h.store.keys.find(made.key.id))
            #expect(key.spent == Money(dollars: 3, cents: 75))
            #expect(key.reserved == Money(dollars: 1, cents: 25))
            let remote = try await h.providerKey(made.key)
            #expect(remote.usage == Money(dollars: 1, cents: 25) && remote.byokUsage == Money(dollars: 2, cents: 50))
            // What opub still holds for the key is exactly what the provider lets it spend.
            #expect(remote.limitRemaining == key.reserved)
            // The next day the detail by model counts the BYOK part too.
            h.clock.advance(seconds: 86_400)
            #expect(try await h.executor.runCycle().detailRead == 1)
            let rows = try await h.store.usage.page(of: project.id).items
            #expect(rows.reduce(Money.zero) { $0 + $1.reading.cost } == Money(dollars: 3, cents: 75))
            #expect(try await h.verify() == [])
        }
    }

    @Test("an expired key's last usage is posted (the listing asks for expired keys)", arguments: TestEngine.available)
    func expiredKeyUsage(engine: TestEngine) async throws {
        try await withLifecycleWorld(engine) { h in
            let project = try await h.project(dollars: 20)
            let made = try await h.provisioner.create(
                in: project.id,
                KeyRequest(name: "k", limit: Money(dollars: 5), expiresAt: h.clock.now().adding(seconds: 3600)))
            try await h.charge(made.key, usd: "0.75")
            h.clock.advance(seconds: 3601)
            #expect(try await h.client.listKeys(includeDisabled: true).isEmpty, "the provider hides expired keys")
            _ = try await h.executor.runCycle()
            let key = try #require(try await h.store.keys.find(made.key.id))
            #expect(key.spent == Money(dollars: 0, cents: 75))
            #expect(key.state.reason == .expired)
            #expect(try await h.store.projects.balances(project.id).available == Money(dollars: 19, cents: 25))
            #expect(try await h.verify() == [])
        }
    }

    @Test("a short page of keys is not the end of the listing", arguments: TestEngine.available)
    func shortPages(engine: TestEngine) async throws {
        try await withLifecycleWorld(engine) { h in
            let project = try await h.project(dollars: 50)
            var made: [ComputeKeyRecord] = []
            for index in 0..<5 {
                made.append(
                    try await h.provisioner.create(
                        in: project.id, KeyRequest(name: "k\(index)", limit: Money(dollars: 2))
                    ).key)
            }
            for key in made { try await h.charge(key, usd: "0.5") }
            await h.simulator.simulator.state.setFaults(FaultSettings(keysPageSize: 2))
            let report = try await h.executor.runCycle()
            #expect(report.errors.isEmpty, "\(report.errors)")
            for key in made { #expect(try await h.store.keys.find(key.id)?.spent == Money(dollars: 0, cents: 50)) }
            #expect(try await h.store.keys.reconcilable().allSatisfy { $0.state == .active }, "none looks missing")
        }
    }

    @Test(
        "refund → debt → the newest keys' reservations are cut and their provider limits lowered",
        arguments: TestEngine.available)
    func cap(engine: TestEngine) async throws {
        try await withLifecycleWorld(engine) { h in
            let project = try await h.project(dollars: 0)
            let donation = DonationID.random()
            try await h.store.donations.recordCompleted(donation, to: project.id, amount: Money(dollars: 20))
            let older = try await h.provisioner.create(
                in: project.id, KeyRequest(name: "older", limit: Money(dollars: 8)))
            h.clock.advance(seconds: 5)
            let newer = try await h.provisioner.create(
                in: project.id, KeyRequest(name: "newer", limit: Money(dollars: 6)))
            try await h.charge(older.key, usd: "2")
            // $6 left available; refunding $15 leaves $9 of debt.
            try await h.store.donations.refund(donation, amount: Money(dollars: 15), reference: "re_1")
            _ = try await h.executor.runCycle()
            let newerAfter = try #require(try await h.store.keys.find(newer.key.id))
            let olderAfter = try #require(try await h.store.keys.find(older.key.id))
            #expect(newerAfter.reserved == .zero)
            #expect(newerAfter.limit == .zero)
            #expect(olderAfter.reserved == Money(dollars: 3))
            #expect(olderAfter.limit == Money(dollars: 5))
            #expect(try await h.providerKey(newer.key).limit == .zero)
            #expect(try await h.providerKey(older.key).limit == Money(dollars: 5))
            #expect(try await h.store.projects.balances(project.id).available == .zero)
            #expect(try await h.verify() == [])
        }
    }

    @Test("a drained balance disables every active key, at the provider too", arguments: TestEngine.available)
    func drain(engine: TestEngine) async throws {
        try await withLifecycleWorld(engine) { h in
            let project = try await h.project(dollars: 0)
            let donation = DonationID.random()
            try await h.store.donations.recordCompleted(donation, to: project.id, amount: Money(dollars: 10))
            let a = try await h.provisioner.create(in: project.id, KeyRequest(name: "a", limit: Money(dollars: 5)))
            let b = try await h.provisioner.create(in: project.id, KeyRequest(name: "b", limit: Money(dollars: 5)))
            try await h.charge(a.key, usd: "4")
            try await h.store.donations.refund(donation, amount: Money(dollars: 9), reference: "re_1")
            _ = try await h.executor.runCycle()
            for made in [a, b] {
                let key = try #require(try await h.store.keys.find(made.key.id))
                #expect(key.state == .disabled(.balanceExhausted, .disabledAtProvider))
                #expect(try await h.providerKey(made.key).disabled)
            }
            #expect(try await h.store.projects.balances(project.id).available == Money(dollars: -3))
            #expect(try await h.verify() == [])
        }
    }

    @Test("a provider limit raised behind opub's back is put back", arguments: TestEngine.available)
    func restoreLimit(engine: TestEngine) async throws {
        try await withLifecycleWorld(engine) { h in
            let project = try await h.project(dollars: 10)
            let made = try await h.provisioner.create(in: project.id, KeyRequest(name: "k", limit: Money(dollars: 4)))
            _ = try await h.client.updateKey(
                hash: made.key.providerHash!, UpdateKeyRequest(limit: .set(Money(dollars: 400))))
            _ = try await h.executor.runCycle()
            #expect(try await h.providerKey(made.key).limit == Money(dollars: 4))
            _ = try await h.client.updateKey(hash: made.key.providerHash!, UpdateKeyRequest(limit: .remove))
            _ = try await h.executor.runCycle()
            #expect(try await h.providerKey(made.key).limit == Money(dollars: 4))
        }
    }

    @Test("keys disabled or deleted at the provider are disabled locally and settled", arguments: TestEngine.available)
    func providerSide(engine: TestEngine) async throws {
        try await withLifecycleWorld(engine) { h in
            let project = try await h.project(dollars: 10)
            let disabled = try await h.provisioner.create(
                in: project.id, KeyRequest(name: "d", limit: Money(dollars: 3)))
            let deleted = try await h.provisioner.create(
                in: project.id, KeyRequest(name: "x", limit: Money(dollars: 3)))
            try await h.charge(disabled.key, usd: "1")
            _ = try await h.client.updateKey(hash: disabled.key.providerHash!, UpdateKeyRequest(disabled: true))
            try await h.client.deleteKey(hash: deleted.key.providerHash!)
            let report = try await h.executor.runCycle()
            #expect(report.alerts.count == 2)
            #expect(
                try await h.store.keys.find(disabled.key.id)?.state == .disabled(.providerDisabled, .disabledAtProvider)
            )
            #expect(
                try await h.store.keys.find(deleted.key.id)?.state == .disabled(.providerMissing, .deletedAtProvider))
            #expect(try await h.store.projects.balances(project.id).available == Money(dollars: 9))
            #expect(try await h.verify() == [])
        }
    }

    @Test("expired keys are disabled and orphans deleted", arguments: TestEngine.available)
    func expiryAndOrphans(engine: TestEngine) async throws {
        try await withLifecycleWorld(engine) { h in
            let project = try await h.project(dollars: 10)
            let made = try await h.provisioner.create(
                in: project.id,
                KeyRequest(name: "k", limit: Money(dollars: 3), expiresAt: h.clock.now().adding(seconds: 3600)))
            let orphan = try await h.client.createKey(
                CreateKeyRequest(name: "opub:ck_nobodyknowsme", limit: Money(dollars: 1)))
            let foreign = try await h.client.createKey(
                CreateKeyRequest(name: "someone else's", limit: Money(dollars: 1)))
            h.clock.advance(seconds: 3601)
            _ = try await h.executor.runCycle()
            #expect(try await h.store.keys.find(made.key.id)?.state == .disabled(.expired, .disabledAtProvider))
            let remaining = try await h.client.listAllKeys(includeDisabled: true).map(\.hash)
            #expect(!remaining.contains(orphan.key.hash))
            #expect(remaining.contains(foreign.key.hash))
        }
    }

    @Test("a cycle with nothing to do lists the provider once per page and writes nothing")
    func quietCycle() async throws {
        try await withLifecycleWorld(.sqlite) { h in
            let project = try await h.project(dollars: 10)
            _ = try await h.provisioner.create(in: project.id, KeyRequest(name: "k", limit: Money(dollars: 3)))
            let before = try await h.store.ledger.count()
            let calls = h.provider.calls
            let report = try await h.executor.runCycle()
            #expect(report.actions == 0)
            #expect(h.provider.calls - calls == 1)
            #expect(try await h.store.ledger.count() == before)
        }
    }

    @Test(
        "a batch of projects whose spend cannot be written as one is posted project by project",
        arguments: TestEngine.available)
    func spendBatchFallsBack(engine: TestEngine) async throws {
        try await withLifecycleWorld(engine) { h in
            var keys: [ComputeKeyRecord] = []
            for index in 0..<3 {
                let project = try await h.project("acme/p\(index)", dollars: 20)
                let key = try await h.provisioner.create(
                    in: project.id, KeyRequest(name: "k", limit: Money(dollars: 5))
                ).key
                try await h.charge(key, usd: "0.01")
                keys.append(key)
            }
            // The second key's row lost a spend its ledger has (the reading this cycle posts): the batch's
            // insert of that idempotency key fails, so the whole batch is rolled back and posted again
            // project by project, where that reading is a replay and the others are posted.
            let victim = keys[1]
            try await h.store.ledger.post(
                .spend(victim.id, amount: Money(micros: 10_000)), to: victim.projectID,
                idempotencyKey: "spend:\(victim.id.rawValue):10000", memo: "posted before")
            try await h.store.engine.write { db in
                try await db.raw("UPDATE compute_keys SET spent_micros = 0 WHERE id = \(bind: victim.id.rawValue)")
                    .run()
            }
            let report = try await h.executor.runCycle()
            #expect(report.errors == [])
            #expect(report.spendPosted == Money(micros: 20_000))
            for key in [keys[0], keys[2]] {
                #expect(try await h.store.keys.find(key.id)?.spent == Money(micros: 10_000))
            }
            #expect(try await h.store.ledger.all(of: victim.projectID).filter { $0.kind == .spend }.count == 1)
        }
    }

    @Test("two reconcilers at once post every spend exactly once", arguments: TestEngine.available)
    func concurrentReconcilers(engine: TestEngine) async throws {
        try await withLifecycleWorld(engine) { h in
            let project = try await h.project(dollars: 100)
            var keys: [ComputeKeyRecord] = []
            for index in 0..<8 {
                keys.append(
                    try await h.provisioner.create(
                        in: project.id, KeyRequest(name: "k\(index)", limit: Money(dollars: 5))
                    ).key)
            }
            for (index, key) in keys.enumerated() { try await h.charge(key, usd: "0.\(index + 1)") }
            let executor = h.executor
            try await withThrowingTaskGroup(of: ReconcileReport.self) { group in
                for _ in 0..<2 { group.addTask { try await executor.runCycle() } }
                for try await _ in group {}
            }
            for (index, key) in keys.enumerated() {
                #expect(try await h.store.keys.find(key.id)?.spent == Money(micros: Int64(index + 1) * 100_000))
            }
            #expect(try await h.verify() == [])
        }
    }

    @Test(
        "only one replica holds the reconcile lease; a dead holder loses it after one interval",
        arguments: TestEngine.available)
    func lease(engine: TestEngine) async throws {
        try await withLifecycleWorld(engine) { h in
            #expect(try await h.store.leases.acquire("reconciler", holder: "a", seconds: 60))
            #expect(try await !h.store.leases.acquire("reconciler", holder: "b", seconds: 60))
            #expect(try await h.store.leases.acquire("reconciler", holder: "a", seconds: 60))
            h.clock.advance(seconds: 61)
            #expect(try await h.store.leases.acquire("reconciler", holder: "b", seconds: 60))
            #expect(try await !h.store.leases.acquire("reconciler", holder: "a", seconds: 60))
            try await h.store.leases.release("reconciler", holder: "b")
            #expect(try await h.store.leases.acquire("reconciler", holder: "a", seconds: 60))
        }
    }
}

@Suite("Linked spend marking", .serialized)
struct LinkedSpendMarkingTests {
    func session(
        _ h: LifecycleWorld, key: ComputeKeyRecord, startedAgo: Int64, heartbeatAgo: Int64, endedAgo: Int64?
    )
        async throws -> SessionID
    {
        let id = SessionID.random()
        let now = h.clock.now()
        try await h.store.engine.write { db in
            try await db.raw(
                """
                INSERT INTO agent_sessions (id, key_id, project_id, surface, cli_version, os, started_at,
                    last_heartbeat_at, ended_at)
                VALUES (\(bind: id.rawValue), \(bind: key.id.rawValue), \(bind: key.projectID.rawValue), 'claude',
                    '1.0.0', 'linux', \(bind: now.adding(seconds: -startedAgo).microsSinceEpoch),
                    \(bind: now.adding(seconds: -heartbeatAgo).microsSinceEpoch),
                    \(bind: endedAgo.map { now.adding(seconds: -$0).microsSinceEpoch }))
                """
            ).run()
        }
        return id
    }

    @Test("spend during a linked session is linked; spend with no session is not", arguments: TestEngine.available)
    func marking(engine: TestEngine) async throws {
        try await withLifecycleWorld(engine) { h in
            let project = try await h.project(dollars: 20)
            let linkedKey = try await h.provisioner.create(
                in: project.id, KeyRequest(name: "cli", limit: Money(dollars: 5))
            ).key
            let directKey = try await h.provisioner.create(
                in: project.id, KeyRequest(name: "direct", limit: Money(dollars: 5))
            ).key
            let executor = h.executor
            _ = try await executor.runCycle()
            h.clock.advance(seconds: 60)
            let running = try await session(h, key: linkedKey, startedAgo: 30, heartbeatAgo: 5, endedAgo: nil)
            try await h.charge(linkedKey, usd: "1.50")
            try await h.charge(directKey, usd: "0.50")
            _ = try await executor.runCycle()
            let ledger = try await h.store.ledger.all(of: project.id).filter { $0.kind == .spend }
            #expect(ledger.first { $0.keyID == linkedKey.id }?.sessionID == running)
            #expect(ledger.first { $0.keyID == directKey.id }?.sessionID == nil)
            let spend = try await h.store.ledger.spend(of: project.id, since: h.clock.now().adding(seconds: -3600))
            #expect(spend.total == Money(dollars: 2))
            #expect(spend.linked == Money(dollars: 1, cents: 50))
            // A session that went silent (last heartbeat + grace) before this cycle's interval does not
            // link later spend; a quiet cycle in between moves the interval's start.
            h.clock.advance(seconds: 600)
            _ = try await executor.runCycle()
            h.clock.advance(seconds: 60)
            try await h.charge(linkedKey, usd: "0.25")
            _ = try await executor.runCycle()
            let late = try await h.store.ledger.all(of: project.id).filter { $0.kind == .spend }.last
            #expect(late?.sessionID == nil)
            #expect(try await h.verify() == [])
        }
    }
}

/// A provider whose listing is taken, then `afterListing` runs before it is returned: a key made in
/// between is active in opub but absent from the listing the cycle plans with.
final class StaleListingProvider: ProviderKeys {
    let base: any ProviderKeys
    let afterListing: @Sendable () async throws -> Void

    init(_ base: any ProviderKeys, afterListing: @escaping @Sendable () async throws -> Void) {
        self.base = base
        self.afterListing = afterListing
    }

    func listEveryKey() async throws -> [ProviderKey] {
        let keys = try await base.listEveryKey()
        try await afterListing()
        return keys
    }
    func createKey(_ request: CreateKeyRequest) async throws -> CreatedKey { try await base.createKey(request) }
    func key(hash: String) async throws -> ProviderKey { try await base.key(hash: hash) }
    func updateKey(hash: String, _ update: UpdateKeyRequest) async throws -> ProviderKey {
        try await base.updateKey(hash: hash, update)
    }
    func deleteKey(hash: String) async throws { try await base.deleteKey(hash: hash) }
    func assignKeys(_ keyHashes: [String], toGuardrail id: String) async throws -> Int {
        try await base.assignKeys(keyHashes, toGuardrail: id)
    }
    func createGuardrail(_ request: CreateGuardrailRequest) async throws -> Guardrail {
        try await base.createGuardrail(request)
    }
    func activity(date: String?, apiKeyHash: String?) async throws -> [ActivityRecord] {
        try await base.activity(date: date, apiKeyHash: apiKeyHash)
    }

    func listModels() async throws -> [ListedModel] { try await base.listModels() }
}

@Suite("Reconciler races", .serialized)
struct ReconcilerRaceTests {
    @Test(
        "a key activated after the provider listing was taken is not disabled as missing",
        arguments: TestEngine.available)
    func keyCreatedDuringListing(engine: TestEngine) async throws {
        try await withLifecycleWorld(engine) { h in
            let project = try await h.project(dollars: 20)
            let made = Mutex<KeyID?>(nil)
            let provisioner = h.provisioner
            let stale = StaleListingProvider(h.provider) {
                guard made.withLock({ $0 }) == nil else { return }
                let key = try await provisioner.create(
                    in: project.id, KeyRequest(name: "racer", limit: Money(dollars: 5)))
                made.withLock { $0 = key.key.id }
            }
            let executor = ReconcileExecutor(store: h.store, provider: stale, logger: quietLogger())
            let report = try await executor.runCycle()
            let id = try #require(made.withLock { $0 })
            #expect(try await h.store.keys.find(id)?.state == .active)
            #expect(report.alerts.isEmpty, "\(report.alerts)")
            // The next cycle sees it in the listing and leaves it alone too.
            _ = try await h.executor.runCycle()
            #expect(try await h.store.keys.find(id)?.state == .active)
            #expect(try await h.verify() == [])
        }
    }
}

@Suite("Linked spend from provider traces", .serialized)
struct TraceLinkingTests {
    @Test(
        "a trace naming one of the key's sessions links the spend to it, over time overlap",
        arguments: TestEngine.available)
    func traceWinsOverOverlap(engine: TestEngine) async throws {
        try await withLifecycleWorld(engine) { h in
            let project = try await h.project(dollars: 20)
            let key = try await h.provisioner.create(in: project.id, KeyRequest(name: "cli", limit: Money(dollars: 5)))
                .key
            let executor = h.executor
            _ = try await executor.runCycle()
            h.clock.advance(seconds: 60)
            let marking = LinkedSpendMarkingTests()
            // Two sessions overlap the interval; by overlap the later-started one would win.
            let older = try await marking.session(h, key: key, startedAgo: 50, heartbeatAgo: 5, endedAgo: nil)
            let newer = try await marking.session(h, key: key, startedAgo: 20, heartbeatAgo: 5, endedAgo: nil)
            func trace(_ session: String?, id: Int, agoSeconds: Int64) -> TraceUsage {
                TraceUsage(
                    traceID: String(format: "%032x", id), spanID: String(format: "%016x", id), keyID: key.id,
                    sessionID: session, generationID: nil, model: "openai/gpt-5.4-mini", providerName: "OpenAI",
                    promptTokens: 10, completionTokens: 5, reasoningTokens: 0, cost: Money(micros: 500),
                    occurredAt: h.clock.now().adding(seconds: -agoSeconds))
            }
            // The request of the older session is the latest traced one; a session id of no session of
            // this key is not a link.
            try await h.store.traces.ingest([
                trace(older.rawValue, id: 1, agoSeconds: 10), trace("ls_someone_else", id: 2, agoSeconds: 2),
            ])
            try await h.charge(key, usd: "0.50")
            _ = try await executor.runCycle()
            let spend = try await h.store.ledger.all(of: project.id).filter { $0.kind == .spend }
            #expect(spend.last?.sessionID == older)

            // Without a trace in the next interval, overlap decides again: the newer session.
            h.clock.advance(seconds: 30)
            try await h.charge(key, usd: "0.25")
            _ = try await executor.runCycle()
            let next = try await h.store.ledger.all(of: project.id).filter { $0.kind == .spend }
            #expect(next.last?.sessionID == newer)

            // The traced rows are settled once the spend after them is posted.
            let rows = try await h.store.traces.page(of: project.id).items
            #expect(rows.count == 2 && rows.allSatisfy(\.settled))
            #expect(rows.first { $0.usage.traceID.hasSuffix("1") }?.linkedSession == older)
            #expect(rows.first { $0.usage.traceID.hasSuffix("2") }?.linkedSession == nil)
            #expect(try await h.verify() == [])
        }
    }
}

@Suite("Traces compared with the provider's activity", .serialized)
struct TraceGapTests {
    @Test("a day whose traces fall short of /activity is logged and counted; a matching day is not")
    func gap() async throws {
        try await withLifecycleWorld(.sqlite) { h in
            let project = try await h.project(dollars: 20)
            let full = try await h.provisioner.create(
                in: project.id, KeyRequest(name: "full", limit: Money(dollars: 5))
            ).key
            let short = try await h.provisioner.create(
                in: project.id, KeyRequest(name: "short", limit: Money(dollars: 5))
            ).key
            let metrics = ServerMetrics()
            let executor = ReconcileExecutor(
                store: h.store, provider: h.provider, logger: quietLogger(), metrics: metrics.factory,
                comparesTraces: true)
            try await h.charge(full, usd: "0.40")
            try await h.charge(short, usd: "0.60")
            func trace(_ key: ComputeKeyRecord, id: Int, micros: Int64) -> TraceUsage {
                TraceUsage(
                    traceID: String(format: "%032x", id), spanID: String(format: "%016x", id), keyID: key.id,
                    sessionID: nil, generationID: nil, model: "m", providerName: "p", promptTokens: 1,
                    completionTokens: 1, reasoningTokens: 0, cost: Money(micros: micros), occurredAt: h.clock.now())
            }
            // One delivery for `short` was lost: its traces say $0.25 of the $0.60.
            try await h.store.traces.ingest([
                trace(full, id: 1, micros: 400_000), trace(short, id: 2, micros: 250_000),
            ])
            _ = try await executor.runCycle()
            h.clock.advance(seconds: 86_400)
            #expect(try await executor.runCycle().detailRead == 2)
            let text = metrics.registry.emitToString()
            #expect(text.contains("opub_trace_gap_key_days_total 1"), "\(text)")
            #expect(text.contains("opub_trace_gap_dollars 0.35"), "\(text)")
        }
    }
}
