import OpubCore
import OpubStore
import OpubTestSupport
import Testing

@Suite("Front-door store: users, sessions, project names, Stripe donations", .serialized)
struct FrontDoorStoreTests {
    @Test("users are keyed by GitHub id; a login change updates the same row", arguments: TestEngine.available)
    func users(engine: TestEngine) async throws {
        try await withTestStore(engine) { store, _ in
            let first = try await store.users.upsert(
                GitHubProfile(githubID: 42, login: "old", name: nil, avatarURL: nil))
            let renamed = try await store.users.upsert(
                GitHubProfile(githubID: 42, login: "new", name: "N", avatarURL: "https://a"))
            #expect(first.id == renamed.id)
            #expect(renamed.login == "new")
            #expect(try await store.rowCount("users") == 1)
            let concurrent = try await withThrowingTaskGroup(of: UserID.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        try await store.users.upsert(
                            GitHubProfile(githubID: 7, login: "race", name: nil, avatarURL: nil)
                        ).id
                    }
                }
                return try await group.reduce(into: Set<UserID>()) { $0.insert($1) }
            }
            #expect(concurrent.count == 1)
        }
    }

    @Test("sessions are found by hash, touched, deleted, and swept when idle", arguments: TestEngine.available)
    func sessions(engine: TestEngine) async throws {
        let clock = ManualClock()
        try await withTestStore(engine, clock: clock) { store, _ in
            let user = try await store.users.upsert(GitHubProfile(githubID: 1, login: "a", name: nil, avatarURL: nil))
            try await store.sessions.create(idHash: "h1", user: user.id, sealedGitHubToken: "sealed")
            try await store.sessions.create(idHash: "h2", user: user.id, sealedGitHubToken: nil)
            #expect(try await store.sessions.find(idHash: "h1")?.sealedGitHubToken == "sealed")
            clock.advance(seconds: 100)
            try await store.sessions.touch(idHash: "h2", at: clock.now())
            #expect(try await store.sessions.deleteIdle(before: clock.now().adding(seconds: -50)) == 1)
            #expect(try await store.sessions.find(idHash: "h1") == nil)
            try await store.sessions.delete(idHash: "h2")
            #expect(try await store.rowCount("web_sessions") == 0)
            try await store.oauthAttempts.create(stateHash: "s", sealedVerifier: "v", returnTo: "/")
            #expect(try await store.oauthAttempts.take(stateHash: "s")?.returnTo == "/")
            #expect(try await store.oauthAttempts.take(stateHash: "s") == nil)
        }
    }

    @Test(
        "projects follow their GitHub repository id through renames; old names resolve", arguments: TestEngine.available
    )
    func renames(engine: TestEngine) async throws {
        try await withTestStore(engine) { store, _ in
            let original = try RepositoryName(parsing: "acme/widgets")
            let (project, created) = try await store.projects.ensure(githubRepoID: 99, name: original)
            #expect(created)
            #expect(try await store.projects.ensure(githubRepoID: 99, name: original).created == false)
            let renamed = try RepositoryName(parsing: "acme-labs/gadgets")
            let moved = try await store.projects.ensure(githubRepoID: 99, name: renamed)
            #expect(moved.project.id == project.id)
            #expect(moved.project.name == renamed)
            #expect(try await store.projects.resolve(renamed) == .current(moved.project))
            #expect(try await store.projects.resolve(original) == .renamed(moved.project))
            // A new repository taking the old name gets it; the renamed project keeps its own.
            let newcomer = try await store.projects.ensure(githubRepoID: 100, name: original)
            #expect(newcomer.created)
            #expect(try await store.projects.resolve(original)?.record.id == newcomer.project.id)
            // An operator's page without repository id is adopted.
            let page = try await store.projects.create(try RepositoryName(parsing: "solo/tool"))
            let adopted = try await store.projects.ensure(
                githubRepoID: 5, name: try RepositoryName(parsing: "Solo/Tool"))
            #expect(adopted.project.id == page.id)
            #expect(adopted.project.githubRepoID == 5)
            // A name held by another repository's project is a conflict for an operator.
            await #expect(throws: StoreError.self) {
                try await store.projects.ensure(githubRepoID: 6, name: try RepositoryName(parsing: "solo/tool"))
            }
        }
    }

    @Test("maintainers claim a project once and can be removed", arguments: TestEngine.available)
    func maintainers(engine: TestEngine) async throws {
        try await withTestStore(engine) { store, _ in
            let user = try await store.users.upsert(GitHubProfile(githubID: 1, login: "a", name: nil, avatarURL: nil))
            let other = try await store.users.upsert(GitHubProfile(githubID: 2, login: "b", name: nil, avatarURL: nil))
            let (project, _) = try await store.projects.ensure(
                githubRepoID: 1, name: try RepositoryName(parsing: "a/b"))
            #expect(
                try await store.projects.recordMaintainer(project: project.id, user: user.id, permission: "admin")
                    .newlyClaimed)
            #expect(
                try await !store.projects.recordMaintainer(project: project.id, user: other.id, permission: "maintain")
                    .newlyClaimed)
            #expect(try await store.projects.find(project.id)?.isClaimed == true)
            #expect(try await store.projects.maintained(by: user.id).count == 1)
            try await store.projects.removeMaintainer(of: project.id, user: user.id)
            #expect(try await store.projects.maintainer(of: project.id, user: user.id) == nil)
            #expect(try await store.projects.find(project.id)?.isClaimed == true)
        }
    }

    @Test("Stripe events: complete once, refund per id, fail, replays change nothing", arguments: TestEngine.available)
    func stripeEvents(engine: TestEngine) async throws {
        try await withTestStore(engine) { store, _ in
            let user = try await store.users.upsert(GitHubProfile(githubID: 1, login: "a", name: nil, avatarURL: nil))
            let (project, _) = try await store.projects.ensure(
                githubRepoID: 1, name: try RepositoryName(parsing: "a/b"))
            let id = DonationID.random()
            _ = try await store.donations.createPending(
                id, project: project.id, user: user.id, amount: Money(dollars: 10), displayName: "Ada",
                anonymous: false,
                message: nil)
            try await store.donations.attachCheckout(id, sessionID: "cs_1", url: "https://pay")
            #expect(try await store.donations.find(checkoutSessionID: "cs_1")?.id == id)
            let event = StripeEventMark(id: "evt_1", type: "checkout.session.completed")
            let results = try await withThrowingTaskGroup(of: StripeEventOutcome.self) { group in
                for _ in 0..<10 {
                    group.addTask {
                        try await store.donations.completeFromStripe(
                            id, amount: Money(dollars: 10), fee: Money(dollars: 1), billingEmail: "p@x",
                            paymentIntentID: "pi_1",
                            event: event)
                    }
                }
                return try await group.reduce(into: [StripeEventOutcome]()) { $0.append($1) }
            }
            #expect(results.filter { $0 != .duplicate }.count == 1)
            #expect(try await store.projects.balances(project.id).available == Money(dollars: 9))
            #expect(try await store.donations.find(paymentIntentID: "pi_1")?.status == .completed)
            let second = StripeEventMark(id: "evt_2", type: "checkout.session.async_payment_succeeded")
            #expect(
                try await store.donations.completeFromStripe(
                    id, amount: Money(dollars: 10), fee: .zero, billingEmail: nil, paymentIntentID: nil, event: second)
                    == .applied("already completed"))

            let refund = StripeEventMark(id: "evt_3", type: "charge.refunded")
            _ = try await store.donations.refundFromStripe(
                id, refunds: [StripeRefundInstruction(reference: "re_1", amount: Money(dollars: 4))], event: refund)
            #expect(try await store.donations.refundFromStripe(id, refunds: [], event: refund) == .duplicate)
            let again = StripeEventMark(id: "evt_4", type: "charge.refunded")
            _ = try await store.donations.refundFromStripe(
                id,
                refunds: [
                    StripeRefundInstruction(reference: "re_1", amount: Money(dollars: 4)),
                    StripeRefundInstruction(reference: "re_2", amount: Money(dollars: 100)),
                ], event: again)
            let record = try #require(try await store.donations.find(id))
            #expect(record.refunded == Money(dollars: 10))
            #expect(try await store.projects.balances(project.id).available == Money(dollars: -1))

            let pending = DonationID.random()
            _ = try await store.donations.createPending(
                pending, project: project.id, user: user.id, amount: Money(dollars: 3), displayName: nil,
                anonymous: true,
                message: "m")
            _ = try await store.donations.failFromStripe(
                pending, event: StripeEventMark(id: "evt_5", type: "checkout.session.expired"))
            #expect(try await store.donations.find(pending)?.status == .failed)
            #expect(
                try await store.donations.recordEvent(StripeEventMark(id: "evt_6", type: "x"), outcome: "ignored")
                    != .duplicate)
            #expect(
                try await store.donations.recordEvent(StripeEventMark(id: "evt_6", type: "x"), outcome: "ignored")
                    == .duplicate)
            #expect(try await store.donations.completed(in: project.id, cursor: nil).items.count == 1)
            #expect(try await store.donations.made(by: user.id, cursor: nil).items.count == 2)
            let verification = try await LedgerVerifier(store: store).verify()
            #expect(verification.violations == [])
            #expect(verification.transactionsChecked == 3)
        }
    }

    @Test("the directory sorts by totals and pages stably", arguments: TestEngine.available)
    func directory(engine: TestEngine) async throws {
        try await withTestStore(engine) { store, _ in
            var ids: [ProjectID] = []
            for index in 0..<7 {
                let project = try await store.projects.create(try RepositoryName(parsing: "org/p\(index)"))
                if index % 2 == 0 {
                    try await store.ledger.post(
                        .grant(amount: Money(dollars: Int64(index + 1))), to: project.id, idempotencyKey: "g\(index)",
                        memo: "g")
                }
                ids.append(project.id)
            }
            var seen: [ProjectID] = []
            var cursor: ProjectListCursor?
            repeat {
                let page = try await store.projects.list(query: "ORG/P", sort: .balance, cursor: cursor, limit: 3)
                seen += page.items.map(\.record.id)
                cursor = try page.nextCursor.map { try ProjectListCursor(decoding: $0, sort: .balance) }
            } while cursor != nil
            #expect(seen.count == 7)
            #expect(Set(seen) == Set(ids))
            #expect(seen.first == ids[6])
            let filtered = try await store.projects.list(query: "p3", sort: .recent, cursor: nil)
            #expect(filtered.items.map(\.record.id) == [ids[3]])
            let literal = try await store.projects.list(query: "%", sort: .recent, cursor: nil)
            #expect(literal.items.isEmpty)
            #expect(try await store.projects.summary(ids[6])?.granted == Money(dollars: 7))
        }
    }
}
