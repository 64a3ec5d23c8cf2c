import OpubCore
import OpubStore
import OpubTestSupport
import PropertyBased
import SQLKit
import Testing

@Suite("Ledger store", .serialized)
struct LedgerStoreTests {
    @Test("200 concurrent $1 reservations on $100: exactly 100 succeed", arguments: TestEngine.available)
    func concurrentReservations(engine: TestEngine) async throws {
        try await withTestStore(engine) { store, _ in
            let project = try await fundedProject(store, dollars: 100)
            let outcomes = try await withThrowingTaskGroup(of: Bool.self) { group in
                for index in 0..<200 {
                    group.addTask {
                        do {
                            _ = try await store.keys.reserveNewKey(
                                in: project.id, KeyRequest(name: "k\(index)", limit: Money(dollars: 1)))
                            return true
                        } catch LedgerStoreError.rule(.insufficientAvailable) {
                            return false
                        }
                    }
                }
                return try await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            #expect(outcomes.filter { $0 }.count == 100)
            let balances = try await store.projects.balances(project.id)
            #expect(balances.available == .zero)
            #expect(balances.reserved == Money(dollars: 100))
            #expect(try await store.keys.all(in: project.id).count == 100)
            let verification = try await LedgerVerifier(store: store).verify()
            #expect(verification.violations == [])
            #expect(verification.transactionsChecked == 101)
        }
    }

    @Test("a reserve above available fails with a typed error and writes nothing", arguments: TestEngine.available)
    func insufficientWritesNothing(engine: TestEngine) async throws {
        try await withTestStore(engine) { store, _ in
            let project = try await fundedProject(store, dollars: 5)
            await #expect(
                throws: LedgerStoreError.rule(
                    .insufficientAvailable(available: Money(dollars: 5), requested: Money(dollars: 6)))
            ) {
                try await store.keys.reserveNewKey(
                    in: project.id, KeyRequest(name: "too big", limit: Money(dollars: 6)))
            }
            #expect(try await store.keys.all(in: project.id).isEmpty)
            #expect(try await store.ledger.count() == 1)
            #expect(try await store.projects.find(project.id)?.chainLength == 1)
        }
    }

    @Test("the same idempotency key applied 10 times records one transaction", arguments: TestEngine.available)
    func replays(engine: TestEngine) async throws {
        try await withTestStore(engine) { store, _ in
            let project = try await fundedProject(store, dollars: 0)
            var ids = Set<TransactionID>()
            for _ in 0..<10 {
                let result = try await store.ledger.post(
                    .grant(amount: Money(dollars: 3)), to: project.id, idempotencyKey: "grant:once", memo: "once")
                ids.insert(result.transaction.id)
            }
            // And 10 more at the same time.
            let concurrent = try await withThrowingTaskGroup(of: LedgerPostResult.self) { group in
                for _ in 0..<10 {
                    group.addTask {
                        try await store.ledger.post(
                            .grant(amount: Money(dollars: 3)), to: project.id, idempotencyKey: "grant:once",
                            memo: "once")
                    }
                }
                return try await group.reduce(into: [LedgerPostResult]()) { $0.append($1) }
            }
            ids.formUnion(concurrent.map(\.transaction.id))
            #expect(ids.count == 1)
            #expect(concurrent.allSatisfy { $0.replayed })
            #expect(try await store.ledger.count() == 1)
            #expect(try await store.projects.balances(project.id).available == Money(dollars: 3))
        }
    }

    @Test("an idempotency key reused for a different transaction is refused", arguments: TestEngine.available)
    func reusedKey(engine: TestEngine) async throws {
        try await withTestStore(engine) { store, _ in
            let project = try await fundedProject(store, dollars: 10)
            let key = try await store.keys.reserveNewKey(
                in: project.id, KeyRequest(name: "k", limit: Money(dollars: 2)))
            await #expect(throws: LedgerStoreError.self) {
                try await store.ledger.post(
                    .spend(key.id, amount: Money(dollars: 1)), to: project.id,
                    idempotencyKey: "grant:\(project.id):seed",
                    memo: "")
            }
            #expect(try await store.ledger.count() == 2)
        }
    }

    @Test("UPDATE and DELETE on ledger tables are rejected by the database", arguments: TestEngine.available)
    func appendOnly(engine: TestEngine) async throws {
        try await withTestStore(engine) { store, _ in
            _ = try await fundedProject(store, dollars: 10)
            let attempts =
                [
                    "UPDATE ledger_transactions SET memo = 'changed'",
                    "DELETE FROM ledger_transactions",
                    "UPDATE ledger_postings SET amount_micros = 1",
                    "DELETE FROM ledger_postings",
                ] + (engine == .postgres ? ["TRUNCATE ledger_postings", "TRUNCATE ledger_transactions CASCADE"] : [])
            for sql in attempts {
                await #expect(throws: (any Error).self, "\(sql)") { try await rawSQL(store, sql) }
            }
            let verification = try await LedgerVerifier(store: store).verify()
            #expect(verification.violations == [])
            #expect(verification.transactionsChecked == 1)
        }
    }

    @Test("an edit made behind the triggers' back is found and named", arguments: TestEngine.available)
    func tamper(engine: TestEngine) async throws {
        try await withTestStore(engine) { store, url in
            let project = try await fundedProject(store, dollars: 10)
            let second = try await store.ledger.post(
                .grant(amount: Money(dollars: 1)), to: project.id, idempotencyKey: "grant:two", memo: "two")
            try await store.ledger.post(
                .grant(amount: Money(dollars: 1)), to: project.id, idempotencyKey: "grant:three", memo: "three")
            switch engine {
            case .sqlite:
                try await rawSQL(store, "DROP TRIGGER ledger_transactions_no_update")
                try await rawSQL(
                    store, "UPDATE ledger_transactions SET memo = 'forged' WHERE id = '\(second.transaction.id)'")
                try await rawSQL(
                    store,
                    """
                    CREATE TRIGGER ledger_transactions_no_update BEFORE UPDATE ON ledger_transactions
                    BEGIN SELECT RAISE(ABORT, 'ledger_transactions is append-only'); END
                    """)
            case .postgres:
                try await rawSQL(
                    store, "ALTER TABLE ledger_transactions DISABLE TRIGGER ledger_transactions_append_only")
                try await rawSQL(
                    store, "UPDATE ledger_transactions SET memo = 'forged' WHERE id = '\(second.transaction.id)'")
                try await rawSQL(
                    store, "ALTER TABLE ledger_transactions ENABLE TRIGGER ledger_transactions_append_only")
            }
            await #expect(throws: (any Error).self) {
                try await rawSQL(store, "UPDATE ledger_transactions SET memo = 'again'")
            }
            let verification = try await LedgerVerifier(store: store).verify()
            let first = try #require(verification.violations.first)
            #expect(first.invariant == 7)
            #expect(first.transaction == second.transaction.id)
            #expect(first.description.contains("acme/widgets"))
            _ = url
        }
    }

    @Test("ledger pages are newest first and stable while transactions are appended", arguments: TestEngine.available)
    func stablePagination(engine: TestEngine) async throws {
        try await withTestStore(engine) { store, _ in
            let project = try await fundedProject(store, dollars: 0)
            for index in 0..<25 {
                try await store.ledger.post(
                    .grant(amount: Money(dollars: 1)), to: project.id, idempotencyKey: "g\(index)", memo: "")
            }
            var seen: [Int64] = []
            var cursor: LedgerCursor?
            var appended = 0
            repeat {
                let page = try await store.ledger.page(of: project.id, cursor: cursor, limit: 7)
                seen += page.items.map(\.sequence)
                // New transactions arrive between page requests.
                for _ in 0..<3 {
                    appended += 1
                    try await store.ledger.post(
                        .grant(amount: Money(dollars: 1)), to: project.id, idempotencyKey: "late\(appended)", memo: "")
                }
                cursor = try page.nextCursor.map { try LedgerCursor(decoding: $0) }
            } while cursor != nil
            #expect(seen == Array((1...25).reversed()))
            #expect(throws: StoreError.self) { try LedgerCursor(decoding: "bogus") }
        }
    }

    @Test("property: random money scripts keep every invariant after every step", arguments: TestEngine.available)
    func randomScripts(engine: TestEngine) async throws {
        let scripts = engine == .sqlite ? 12 : 6
        await propertyCheck(count: scripts, input: Gen.int(in: 0...Int(Int32.max)).array(of: 20...40)) { seeds in
            do {
                try await withTestStore(engine) { store, _ in
                    let project = try await fundedProject(store, dollars: 0)
                    var script = StoreScript(store: store, project: project.id)
                    for (index, seed) in seeds.enumerated() {
                        let step = MoneyStep(seed: seed)
                        try await script.apply(step)
                        let violations = try await LedgerVerifier(store: store).verify().violations
                        #expect(violations == [], "after step \(index): \(step)")
                        if !violations.isEmpty { return }
                    }
                }
            } catch {
                Issue.record("script failed: \(error)")
            }
        }
    }

    @Test("refunds: more than was credited is refused; a refund may cause debt", arguments: TestEngine.available)
    func refunds(engine: TestEngine) async throws {
        try await withTestStore(engine) { store, _ in
            let project = try await fundedProject(store, dollars: 0)
            let donation = DonationID.random()
            try await store.donations.recordCompleted(donation, to: project.id, amount: Money(dollars: 10))
            _ = try await store.keys.reserveNewKey(in: project.id, KeyRequest(name: "k", limit: Money(dollars: 8)))
            try await store.donations.refund(donation, amount: Money(dollars: 6), reference: "re_1")
            // Replaying the same Stripe refund changes nothing.
            let replay = try await store.donations.refund(donation, amount: Money(dollars: 6), reference: "re_1")
            #expect(replay.replayed)
            #expect(try await store.projects.balances(project.id).available == Money(dollars: -4))
            await #expect(throws: StoreError.self) {
                try await store.donations.refund(donation, amount: Money(dollars: 5), reference: "re_2")
            }
            #expect(try await LedgerVerifier(store: store).verify().violations == [])
        }
    }

    @Test("key state changes follow the state machine", arguments: TestEngine.available)
    func keyTransitions(engine: TestEngine) async throws {
        try await withTestStore(engine) { store, _ in
            let project = try await fundedProject(store, dollars: 10)
            let key = try await store.keys.reserveNewKey(
                in: project.id, KeyRequest(name: "k", limit: Money(dollars: 2)))
            #expect(key.state == .provisioning)
            #expect(key.reserved == Money(dollars: 2))
            await #expect(throws: IllegalKeyTransition.self) {
                try await store.withProjectLock(project.id) { try await $0.transition(key.id, .disable(.revoked)) }
            }
            let active = try await store.withProjectLock(project.id) { try await $0.transition(key.id, .provisioned) }
            #expect(active == .active)
            let disabled = try await store.withProjectLock(project.id) {
                try await $0.transition(key.id, .disable(.expired))
            }
            #expect(disabled == .disabled(.expired, .disablePending))
            await #expect(throws: IllegalKeyTransition.self) {
                try await store.withProjectLock(project.id) { try await $0.transition(key.id, .provisioned) }
            }
            #expect(try await store.keys.find(key.id)?.state == .disabled(.expired, .disablePending))
        }
    }

    @Test("migrations are idempotent and safe to run concurrently", arguments: TestEngine.available)
    func migrations(engine: TestEngine) async throws {
        let url = try await makeTestDatabase(engine)
        defer { Task { try? await dropTestDatabase(url) } }
        try await withThrowingTaskGroup(of: [Int].self) { group in
            for _ in 0..<3 {
                group.addTask {
                    try await Store.withStore(url: url, logger: quietLogger()) { try await $0.migrate() }
                }
            }
            let applied = try await group.reduce(into: [[Int]]()) { $0.append($1) }
            #expect(applied.filter { !$0.isEmpty } == [Migration.all.map(\.version)])
        }
        let pending = try await Store.withStore(url: url, logger: quietLogger()) { store in
            try await Migrator(engine: store.engine).pending()
        }
        #expect(pending.isEmpty)
    }
}
