import OpubCore
import OpubStore
import OpubTestSupport
import Testing

/// `OPUB_DONATION_HOLD` and the totals the project row keeps, on both engines.
@Suite("Held donations and maintained project totals", .serialized)
struct HeldDonationTests {
    static let start = Timestamp(microsSinceEpoch: 1_800_000_000_000_000)
    static let hold = DonationHold(seconds: 72 * 3_600)

    @Test(
        "a held donation counts in the balance at once, reaches available only when its hold has passed",
        arguments: TestEngine.available)
    func holdThenClear(engine: TestEngine) async throws {
        let clock = ManualClock(Self.start)
        try await withTestStore(engine, clock: clock) { plain, _ in
            let store = plain.holding(donations: Self.hold)
            let project = try await fundedProject(store, dollars: 0)
            let donation = DonationID.random()
            let posted = try await store.donations.recordCompleted(
                donation, to: project.id, amount: Money(dollars: 50), fee: Money(dollars: 1))
            #expect(posted.transaction.kind == .donation)
            #expect(posted.transaction.postings.contains(Posting(.held(project.id), Money(dollars: 49))))

            var balances = try await store.projects.balances(project.id)
            #expect(balances.held == Money(dollars: 49) && balances.available == .zero)
            #expect(balances.balance == Money(dollars: 49))
            // Held money cannot be reserved: a stolen card cannot become compute before its dispute.
            await #expect(
                throws: LedgerStoreError.rule(.insufficientAvailable(available: .zero, requested: Money(dollars: 5)))
            ) {
                _ = try await store.keys.reserveNewKey(in: project.id, KeyRequest(name: "k", limit: Money(dollars: 5)))
            }

            clock.advance(seconds: 71 * 3_600)
            #expect(try await store.donations.clearDue() == 0)
            clock.advance(seconds: 3_600)
            #expect(try await store.donations.clearDue() == 1)
            #expect(try await store.donations.clearDue() == 0)
            // Clearing again (a crash after the post, a second replica) changes nothing.
            #expect(try await store.donations.clear(donation) == nil)
            balances = try await store.projects.balances(project.id)
            #expect(balances.held == .zero && balances.available == Money(dollars: 49))
            _ = try await store.keys.reserveNewKey(in: project.id, KeyRequest(name: "k", limit: Money(dollars: 5)))

            let chain = try await store.ledger.all(of: project.id)
            #expect(chain.map(\.kind) == [.donation, .clear, .reserve])
            #expect(chain[1].idempotencyKey == "clear:\(donation.rawValue)")
            #expect(try await LedgerVerifier(store: store).verify().violations == [])
        }
    }

    @Test(
        "a refund of a held donation takes held money first; what is left of it clears later",
        arguments: TestEngine.available)
    func refundWhileHeld(engine: TestEngine) async throws {
        let clock = ManualClock(Self.start)
        try await withTestStore(engine, clock: clock) { plain, _ in
            let store = plain.holding(donations: Self.hold)
            let project = try await fundedProject(store, dollars: 10)
            let donation = DonationID.random()
            try await store.donations.recordCompleted(donation, to: project.id, amount: Money(dollars: 30))
            let refund = try await store.donations.refund(donation, amount: Money(dollars: 20), reference: "re_1")
            #expect(
                Set(refund.transaction.postings) == [
                    Posting(.held(project.id), Money(dollars: -20)), Posting(.donations, Money(dollars: 20)),
                ])
            var balances = try await store.projects.balances(project.id)
            #expect(balances.available == Money(dollars: 10) && balances.held == Money(dollars: 10))

            clock.advance(seconds: Self.hold.seconds)
            #expect(try await store.donations.clearDue() == 1)
            balances = try await store.projects.balances(project.id)
            #expect(balances.available == Money(dollars: 20) && balances.held == .zero)

            // After the clear, a dispute of the rest debits available, as without a hold.
            let dispute = try await store.donations.refund(donation, amount: Money(dollars: 10), reference: "dp_1")
            #expect(dispute.transaction.postings.contains(Posting(.available(project.id), Money(dollars: -10))))
            #expect(try await store.projects.balances(project.id).available == Money(dollars: 10))
            #expect(try await LedgerVerifier(store: store).verify().violations == [])
        }
    }

    @Test("a donation refunded in full while held clears nothing", arguments: TestEngine.available)
    func refundedInFullWhileHeld(engine: TestEngine) async throws {
        let clock = ManualClock(Self.start)
        try await withTestStore(engine, clock: clock) { plain, _ in
            let store = plain.holding(donations: Self.hold)
            let project = try await fundedProject(store, dollars: 0)
            let donation = DonationID.random()
            try await store.donations.recordCompleted(donation, to: project.id, amount: Money(dollars: 30))
            try await store.donations.refund(donation, amount: Money(dollars: 30), reference: "re_1")
            clock.advance(seconds: Self.hold.seconds)
            #expect(try await store.donations.clearDue() == 1)
            let balances = try await store.projects.balances(project.id)
            #expect(balances.available == .zero && balances.held == .zero)
            #expect(try await store.ledger.all(of: project.id).map(\.kind) == [.donation, .refund])
            #expect(try await LedgerVerifier(store: store).verify().violations == [])
        }
    }

    @Test("without a hold (the default) a donation is available at once", arguments: TestEngine.available)
    func noHold(engine: TestEngine) async throws {
        try await withTestStore(engine) { store, _ in
            let project = try await fundedProject(store, dollars: 0)
            try await store.donations.recordCompleted(DonationID.random(), to: project.id, amount: Money(dollars: 5))
            let balances = try await store.projects.balances(project.id)
            #expect(balances.available == Money(dollars: 5) && balances.held == .zero)
            #expect(try await store.donations.clearDue() == 0)
        }
    }

    @Test(
        "the project row's totals follow every post, and ledger verify names a total changed behind its back",
        arguments: TestEngine.available)
    func maintainedTotals(engine: TestEngine) async throws {
        try await withTestStore(engine) { store, _ in
            let project = try await fundedProject(store, dollars: 20)
            try await store.donations.recordCompleted(
                DonationID.random(), to: project.id, amount: Money(dollars: 10), fee: Money(dollars: 1))
            let key = try await store.keys.reserveNewKey(
                in: project.id, KeyRequest(name: "k", limit: Money(dollars: 6)))
            try await store.ledger.post(
                .spend(key.id, amount: Money(micros: 1_250_000)), to: project.id, idempotencyKey: "s1", memo: "spend",
                session: SessionID.random())
            try await store.ledger.post(
                .spend(key.id, amount: Money(micros: 250_000)), to: project.id, idempotencyKey: "s2", memo: "spend")

            let totals = try #require(try await store.projects.find(project.id)).totals
            #expect(totals == ProjectTotals.of(try await store.ledger.all(of: project.id)))
            #expect(totals.donated == Money(dollars: 10) && totals.granted == Money(dollars: 20))
            #expect(totals.fees == Money(dollars: 1) && totals.spent == Money(micros: 1_500_000))
            #expect(totals.reserved == Money(micros: 4_500_000))
            #expect(totals.balance == totals.balanceFromSources)
            let summary = try #require(try await store.projects.summary(project.id))
            #expect(summary.spent30d == Money(micros: 1_500_000) && summary.linkedSpent30d == Money(micros: 1_250_000))

            try await rawSQL(store, "UPDATE projects SET spent_micros = spent_micros + 1")
            let violations = try await LedgerVerifier(store: store).verify().violations
            #expect(violations.contains { $0.invariant == 2 && $0.detail.contains("caches spent") })
        }
    }

    @Test(
        "migration 14 fills the totals and day buckets of a ledger written before it, and accepts clear",
        arguments: TestEngine.available)
    func upgradeFromVersion13(engine: TestEngine) async throws {
        let url = try await makeTestDatabase(engine)
        defer { Task { try? await dropTestDatabase(url) } }
        let clock = ManualClock(Self.start)
        try await Store.withStore(url: url, logger: quietLogger(), clock: clock) { store in
            try await Migrator(engine: store.engine, migrations: Migration.all.filter { $0.version < 14 }).migrate()
            let project = ProjectID("prj_old")!
            let key = KeyID("ck_old")!
            let at = Self.start.microsSinceEpoch
            try await rawSQL(
                store,
                """
                INSERT INTO projects (id, owner, repo, lookup_name, created_at, available_micros, chain_length, chain_head)
                VALUES ('prj_old', 'old', 'ledger', 'old/ledger', \(at), 6000000, 0, NULL)
                """)
            try await rawSQL(
                store,
                """
                INSERT INTO compute_keys (id, project_id, name, status, limit_micros, reserved_micros, spent_micros,
                    created_at, updated_at)
                VALUES ('ck_old', 'prj_old', 'old key', 'active', 4000000, 2500000, 1500000, \(at), \(at))
                """)
            let steps: [(TransactionKind, [Posting], SessionID?)] = [
                (
                    .grant, [Posting(.grants, Money(dollars: -10)), Posting(.available(project), Money(dollars: 10))],
                    nil
                ),
                (
                    .reserve,
                    [Posting(.available(project), Money(dollars: -4)), Posting(.reserved(key), Money(dollars: 4))], nil
                ),
                (
                    .spend,
                    [Posting(.reserved(key), Money(micros: -1_500_000)), Posting(.provider, Money(micros: 1_500_000))],
                    SessionID.random()
                ),
            ]
            var head = LedgerHashChain.genesis
            for (index, (kind, postings, session)) in steps.enumerated() {
                let tx = LedgerTransaction.chained(
                    id: TransactionID.random(), projectID: project, sequence: Int64(index + 1), kind: kind,
                    idempotencyKey: "old:\(index)", keyID: kind == .grant ? nil : key, donationID: nil,
                    sessionID: session,
                    memo: "\(kind)", createdAt: Timestamp(microsSinceEpoch: at + Int64(index)), postings: postings,
                    previousHash: head)
                head = tx.hash
                try await rawSQL(
                    store,
                    """
                    INSERT INTO ledger_transactions (id, project_id, sequence, kind, idempotency_key, key_id, donation_id,
                        session_id, memo, created_at, previous_hash, hash)
                    VALUES ('\(tx.id.rawValue)', 'prj_old', \(tx.sequence), '\(kind.rawValue)', '\(tx.idempotencyKey)',
                        \(tx.keyID.map { "'\($0.rawValue)'" } ?? "NULL"), NULL, \(session.map { "'\($0.rawValue)'" } ?? "NULL"),
                        '\(tx.memo)', \(tx.createdAt.microsSinceEpoch), '\(tx.previousHash)', '\(tx.hash)')
                    """)
                for (position, posting) in postings.enumerated() {
                    try await rawSQL(
                        store,
                        """
                        INSERT INTO ledger_postings (transaction_id, position, project_id, account, amount_micros)
                        VALUES ('\(tx.id.rawValue)', \(position), 'prj_old', '\(posting.account)', \(posting.amount.micros))
                        """)
                }
            }
            try await rawSQL(store, "UPDATE projects SET chain_length = 3, chain_head = '\(head)' WHERE id = 'prj_old'")
            for _ in 0..<8 { try await rawSQL(store, "SELECT * FROM projects") }

            // The new version migrates a database whose readers already know the old schema (as
            // `serve` does after opening it): every read sees the new columns at once.
            #expect(try await store.migrate().first == 14)
            let totals = try #require(try await store.projects.find(project)).totals
            #expect(
                totals
                    == ProjectTotals(
                        available: Money(dollars: 6), reserved: Money(micros: 2_500_000), granted: Money(dollars: 10),
                        spent: Money(micros: 1_500_000)))
            let summary = try #require(try await store.projects.summary(project))
            #expect(summary.spent30d == Money(micros: 1_500_000) && summary.linkedSpent30d == Money(micros: 1_500_000))
            #expect(try await LedgerVerifier(store: store).verify().violations == [])

            // The widened kind check takes a clear (on SQLite through a rewritten schema every connection reloads).
            let held = store.holding(donations: Self.hold)
            let donation = DonationID.random()
            try await held.donations.recordCompleted(donation, to: project, amount: Money(dollars: 3))
            #expect(try await held.donations.clear(donation)?.transaction.kind == .clear)
            #expect(try await store.projects.balances(project).available == Money(dollars: 9))
            #expect(try await LedgerVerifier(store: store).verify().violations == [])
        }
    }
}
