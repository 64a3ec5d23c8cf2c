import OpubCore
import OpubStore
import OpubTestSupport
import Testing

/// The reads and writes only the web pages use, on every engine.
@Suite("Web store reads")
struct WebStoreTests {
    @Test(
        "site totals and all-project spend add every project's donations, grants and spend",
        arguments: TestEngine.available)
    func siteTotals(engine: TestEngine) async throws {
        try await withTestStore(engine) { store, _ in
            let empty = try await store.projects.siteTotals()
            #expect(empty.donated == .zero && empty.granted == .zero && empty.spent == .zero)
            #expect(empty.projects == 0 && empty.claimedProjects == 0)
            let first = try await fundedProject(store, dollars: 30, name: "acme/widgets")
            let second = try await fundedProject(store, dollars: 0, name: "acme/gadgets")
            try await store.donations.recordCompleted(
                DonationID.random(), to: second.id, amount: Money(dollars: 12), fee: .zero, displayName: "Ada")
            let key = try await store.keys.reserveNewKey(in: first.id, KeyRequest(name: "k", limit: Money(dollars: 10)))
            _ = try await store.withProjectLock(first.id) { try await $0.transition(key.id, .provisioned) }
            try await store.ledger.post(
                .spend(key.id, amount: Money(micros: 2_500_000)), to: first.id, idempotencyKey: "s1", memo: "spend",
                session: SessionID.random())
            try await store.ledger.post(
                .spend(key.id, amount: Money(micros: 500_000)), to: first.id, idempotencyKey: "s2", memo: "spend")

            let totals = try await store.projects.siteTotals()
            #expect(totals.donated == Money(dollars: 12))
            #expect(totals.granted == Money(dollars: 30))
            #expect(totals.spent == Money(micros: 3_000_000))
            #expect(totals.projects == 2)
            #expect(totals.claimedProjects == 0)
            let spend = try await store.ledger.spendOfAllProjects(
                fromDay: ProjectSummary.coverageWindowStart(now: store.clock.now()))
            #expect(spend.total == Money(micros: 3_000_000))
            #expect(spend.linked == Money(micros: 2_500_000))
            let later = try await store.ledger.spendOfAllProjects(
                fromDay: store.clock.now().adding(seconds: 86_400).civilDate.iso8601)
            #expect(later.total == .zero && later.linked == .zero)
        }
    }

    @Test("a form token is used once; a replay learns which key the first use created", arguments: TestEngine.available)
    func formTokens(engine: TestEngine) async throws {
        let clock = ManualClock()
        try await withTestStore(engine, clock: clock) { store, _ in
            #expect(try await store.formTokens.use("hash-a", purpose: "create-key") == .fresh)
            #expect(try await store.formTokens.use("hash-a", purpose: "create-key") == .replayed(key: nil))
            let key = KeyID.random()
            try await store.formTokens.attach(key, to: "hash-a")
            #expect(try await store.formTokens.use("hash-a", purpose: "create-key") == .replayed(key: key))
            #expect(try await store.formTokens.use("hash-b", purpose: "create-key") == .fresh)
            // Old tokens are forgotten after the retention period.
            clock.advance(seconds: FormTokenStore.retentionSeconds + 1)
            #expect(try await store.formTokens.use("hash-c", purpose: "create-key") == .fresh)
            #expect(try await store.rowCount("form_tokens") == 1)
        }
    }
}
