import Foundation
import OpenRouter
import OpenRouterSim
import OpubCore
import OpubServer
import OpubStore
import OpubTestSupport
import Testing

@Suite("Key lifecycle", .serialized)
struct KeyLifecycleTests {
    @Test(
        "create reserves, makes an absolute BYOK-inclusive provider key, and stores no secret",
        arguments: TestEngine.available)
    func create(engine: TestEngine) async throws {
        try await withLifecycleWorld(engine) { h in
            let project = try await h.project(dollars: 50)
            let made = try await h.provisioner.create(
                in: project.id, KeyRequest(name: "laptop", limit: Money(dollars: 20)))
            #expect(made.key.state == .active)
            #expect(made.key.reserved == Money(dollars: 20))
            #expect(KeyFingerprint.isWellFormedSecret(made.secret))
            #expect(made.key.providerHash == KeyFingerprint.hash(ofSecret: made.secret))
            #expect(
                made.key.linkTokenHash
                    == LinkToken.verifier(ofToken: LinkToken.derive(secret: made.secret, keyID: made.key.id)))
            let remote = try await h.providerKey(made.key)
            #expect(remote.name == "opub:\(made.key.id)")
            #expect(remote.limit == Money(dollars: 20))
            #expect(remote.limitReset == nil)
            #expect(remote.includeBYOKInLimit)
            #expect(try await h.store.projects.balances(project.id).available == Money(dollars: 30))
            #expect(try await h.verify() == [])
            if case .sqlite(let path) = try await sqlitePath(h) {
                let bytes =
                    try Data(contentsOf: URL(fileURLWithPath: path))
                    + (try? Data(contentsOf: URL(fileURLWithPath: path + "-wal"))).orEmpty
                #expect(bytes.range(of: Data(made.secret.utf8)) == nil)
                #expect(bytes.range(of: Data(made.linkToken.utf8)) == nil)
            }
        }
    }

    @Test("validation refuses with messages a person can act on", arguments: TestEngine.available)
    func validation(engine: TestEngine) async throws {
        try await withLifecycleWorld(engine) { h in
            let project = try await h.project(dollars: 10)
            let cases: [(String, Money, Timestamp?, KeyRequestError)] = [
                ("", Money(dollars: 1), nil, .nameInvalid),
                (String(repeating: "x", count: 65), Money(dollars: 1), nil, .nameInvalid),
                ("tab\there", Money(dollars: 1), nil, .nameInvalid),
                ("ok", Money(micros: 1_234_567), nil, .limitNotWholeCents),
                ("ok", Money(dollars: 0, cents: 50), nil, .limitBelowMinimum(minimum: Money(dollars: 1))),
                ("ok", Money(dollars: 11), nil, .limitAboveAvailable(available: Money(dollars: 10))),
                ("ok", Money(dollars: 1), h.clock.now().adding(seconds: -1), .expiryInPast),
                ("ok", Money(dollars: 1), h.clock.now().adding(seconds: 400 * 86_400), .expiryTooFar),
            ]
            for (name, limit, expiry, expected) in cases {
                await #expect(throws: expected) {
                    try await h.provisioner.create(
                        in: project.id, KeyRequest(name: name, limit: limit, expiresAt: expiry))
                }
            }
            let unclaimed = try await h.store.projects.create(try RepositoryName(parsing: "acme/unclaimed"))
            await #expect(throws: KeyRequestError.projectNotClaimed) {
                try await h.provisioner.create(in: unclaimed.id, KeyRequest(name: "k", limit: Money(dollars: 1)))
            }
            #expect(try await h.store.keys.all(in: project.id).isEmpty)
            #expect(try await h.opubProviderKeys().isEmpty)
        }
    }

    @Test(
        "a provider that keeps failing leaves provisioning_failed and the money released",
        arguments: TestEngine.available)
    func providerFails(engine: TestEngine) async throws {
        try await withLifecycleWorld(engine) { h in
            let project = try await h.project(dollars: 10)
            await h.simulator.state.addFaultRules([FaultRule(route: "POST /keys", errorStatus: 503)])
            await #expect(throws: KeyProvisioningError.self) {
                try await h.provisioner.create(in: project.id, KeyRequest(name: "k", limit: Money(dollars: 4)))
            }
            let key = try #require(try await h.store.keys.all(in: project.id).first)
            #expect(key.state == .disabled(.provisioningFailed, .disablePending))
            #expect(key.reserved == .zero)
            #expect(try await h.store.projects.balances(project.id).available == Money(dollars: 10))
            #expect(try await h.verify() == [])
        }
    }

    @Test(
        "a lost POST /keys answer: the copy is deleted and the retry leaves exactly one key",
        arguments: TestEngine.available)
    func ambiguousCreate(engine: TestEngine) async throws {
        try await withLifecycleWorld(engine) { h in
            let project = try await h.project(dollars: 10)
            await h.simulator.state.addFaultRules([FaultRule(route: "POST /keys", dropAfterCommit: true, count: 1)])
            let made = try await h.provisioner.create(in: project.id, KeyRequest(name: "k", limit: Money(dollars: 4)))
            let remote = try await h.opubProviderKeys()
            #expect(remote.map(\.hash) == [made.key.providerHash!])
            #expect(try await h.verify() == [])
        }
    }

    @Test("a guardrail that cannot be assigned means no key is handed out", arguments: TestEngine.available)
    func guardrailFailure(engine: TestEngine) async throws {
        try await withLifecycleWorld(engine) { h in
            let project = try await h.project(dollars: 10)
            await #expect(throws: KeyProvisioningError.self) {
                try await h.provisioner(guardrail: "00000000-0000-0000-0000-000000000000")
                    .create(in: project.id, KeyRequest(name: "k", limit: Money(dollars: 4)))
            }
            #expect(try await h.opubProviderKeys().isEmpty)
            #expect(try await h.store.projects.balances(project.id).available == Money(dollars: 10))
        }
    }

    @Test(
        "revoke posts the spend, returns the rest at once, and the settle window ends in deletion",
        arguments: TestEngine.available)
    func revoke(engine: TestEngine) async throws {
        try await withLifecycleWorld(engine) { h in
            let project = try await h.project(dollars: 10)
            let made = try await h.provisioner.create(in: project.id, KeyRequest(name: "k", limit: Money(dollars: 5)))
            try await h.charge(made.key, usd: "1.25")
            #expect(try await h.revoker().revoke(made.key.id) == .revoked)
            let key = try #require(try await h.store.keys.find(made.key.id))
            #expect(key.state == .disabled(.revoked, .disabledAtProvider))
            #expect(key.spent == Money(dollars: 1, cents: 25))
            #expect(key.reserved == .zero)
            #expect(try await h.store.projects.balances(project.id).available == Money(dollars: 8, cents: 75))
            #expect(try await h.providerKey(made.key).disabled)
            // A late charge inside the settle window, then the window passes.
            try await h.charge(made.key, usd: "0.50")
            h.clock.advance(seconds: 601)
            _ = try await h.executor.runCycle()
            // The late charge is spend at once, but the key stays at the provider — disabled, unable to
            // spend — until the detail of its last day of use has been read: nothing promises activity
            // for a deleted key.
            let waiting = try #require(try await h.store.keys.find(made.key.id))
            #expect(waiting.state == .disabled(.revoked, .disabledAtProvider))
            #expect(waiting.spent == Money(dollars: 1, cents: 75))
            #expect(try await h.providerKey(made.key).disabled)
            #expect(try await h.store.usage.page(of: project.id).items.isEmpty)
            // The day ends: a cycle reads its detail, the next deletes the key.
            h.clock.advance(seconds: 86_400)
            #expect(try await h.executor.runCycle().detailRead == 1)
            _ = try await h.executor.runCycle()
            let detail = try await h.store.usage.page(of: project.id).items
            #expect(detail.reduce(Money.zero) { $0 + $1.reading.cost } == Money(dollars: 1, cents: 75))
            let settled = try #require(try await h.store.keys.find(made.key.id))
            #expect(settled.state == .disabled(.revoked, .deletedAtProvider))
            #expect(settled.spent == Money(dollars: 1, cents: 75))
            #expect(try await h.store.projects.balances(project.id).available == Money(dollars: 8, cents: 25))
            #expect(try await h.opubProviderKeys().isEmpty)
            #expect(try await h.verify() == [])
            // Revoking again changes nothing.
            #expect(try await h.revoker().revoke(made.key.id) == .revoked)
        }
    }

    @Test(
        "revoke with the provider down answers 'pending' and the reconciler finishes", arguments: TestEngine.available)
    func revokeProviderDown(engine: TestEngine) async throws {
        try await withLifecycleWorld(engine) { h in
            let project = try await h.project(dollars: 10)
            let made = try await h.provisioner.create(in: project.id, KeyRequest(name: "k", limit: Money(dollars: 5)))
            try await h.charge(made.key, usd: "2")
            await h.simulator.state.addFaultRules([FaultRule(route: "PATCH /keys/{hash}", errorStatus: 503, count: 2)])
            #expect(try await h.revoker().revoke(made.key.id) == .revokedPendingProvider)
            #expect(try await h.store.keys.find(made.key.id)?.state == .disabled(.revoked, .disablePending))
            _ = try await h.executor.runCycle()
            let key = try #require(try await h.store.keys.find(made.key.id))
            #expect(key.state == .disabled(.revoked, .disabledAtProvider))
            #expect(key.spent == Money(dollars: 2))
            #expect(try await h.store.projects.balances(project.id).available == Money(dollars: 8))
            #expect(try await h.verify() == [])
        }
    }

    @Test(
        "a crash after any create or revoke step converges on the next reconcile",
        arguments: LifecycleStep.allCases)
    func crashes(step: LifecycleStep) async throws {
        try await withLifecycleWorld(.sqlite) { h in
            let project = try await h.project(dollars: 10)
            let createSteps: [LifecycleStep] = [.reserved, .providerKeyCreated, .guardrailAssigned, .activated]
            let rotateSteps: [LifecycleStep] = [
                .successorInserted, .successorCreated, .oldKeyDisabled, .rotationSettled,
            ]
            var keyID: KeyID?
            if rotateSteps.contains(step) {
                let made = try await h.provisioner.create(
                    in: project.id, KeyRequest(name: "k", limit: Money(dollars: 4)))
                keyID = made.key.id
                try await h.charge(made.key, usd: "1")
                do {
                    _ = try await h.rotator(probe: CrashAfter(step: step)).rotate(made.key.id, by: nil)
                } catch is LifecycleCrash {}
            } else if createSteps.contains(step) {
                do {
                    _ = try await h.provisioner(probe: CrashAfter(step: step)).create(
                        in: project.id, KeyRequest(name: "k", limit: Money(dollars: 4)))
                } catch is LifecycleCrash {}
                keyID = try await h.store.keys.all(in: project.id).first?.id
            } else {
                let made = try await h.provisioner.create(
                    in: project.id, KeyRequest(name: "k", limit: Money(dollars: 4)))
                keyID = made.key.id
                try await h.charge(made.key, usd: "1")
                do {
                    _ = try await h.revoker(probe: CrashAfter(step: step)).revoke(made.key.id)
                } catch is LifecycleCrash {}
            }
            let id = try #require(keyID)
            // A fresh process: reconcile after the grace period, then after the settle window.
            h.clock.advance(seconds: 121)
            _ = try await h.executor.runCycle()
            #expect(try await h.verify() == [], "after \(step)")
            #expect(try await h.noUsableKeyWithoutRecord(), "after \(step)")
            h.clock.advance(seconds: 601)
            _ = try await h.executor.runCycle()
            #expect(try await h.verify() == [], "after \(step)")
            // The next day its detail is read and a revoked key is deleted.
            h.clock.advance(seconds: 86_400)
            _ = try await h.executor.runCycle()
            _ = try await h.executor.runCycle()
            let key = try #require(try await h.store.keys.find(id))
            let balances = try await h.store.projects.balances(project.id)
            switch step {
            case .reserved, .providerKeyCreated, .guardrailAssigned:
                #expect(key.state == .disabled(.provisioningFailed, .deletedAtProvider))
                #expect(balances.available == Money(dollars: 10))
                #expect(try await h.opubProviderKeys().isEmpty)
            case .activated:
                #expect(key.state == .active)
                #expect(balances.available == Money(dollars: 6))
            case .revokeRecorded, .providerDisabled, .revokeSettled:
                #expect(key.state == .disabled(.revoked, .deletedAtProvider))
                #expect(key.spent == Money(dollars: 1))
                #expect(balances.available == Money(dollars: 9))
            case .successorInserted, .successorCreated:
                // Stopped before the old key was disabled: it works unchanged, the successor is gone.
                #expect(key.state == .active && key.spent == Money(dollars: 1) && key.reserved == Money(dollars: 3))
                let successor = try #require(try await h.store.keys.all(in: project.id).first { $0.replaces == id })
                #expect(successor.state == .disabled(.provisioningFailed, .deletedAtProvider))
                #expect(balances.available == Money(dollars: 6))
                #expect(try await h.opubProviderKeys().map(\.hash) == [key.providerHash])
            case .oldKeyDisabled:
                // Stopped after the old key was disabled, before the successor took over: nobody holds the
                // successor's secret, so the rotation is undone and the old key works again, unchanged.
                #expect(key.state == .active && key.spent == Money(dollars: 1) && key.reserved == Money(dollars: 3))
                #expect(key.replacedBy == nil)
                let successor = try #require(try await h.store.keys.all(in: project.id).first { $0.replaces == id })
                #expect(successor.state == .disabled(.provisioningFailed, .deletedAtProvider))
                #expect(balances.available == Money(dollars: 6))
                #expect(try await h.opubProviderKeys().map(\.hash) == [key.providerHash])
                #expect(try await !h.providerKey(key).disabled)
            case .rotationSettled:
                // Stopped after it finished: the successor holds what the old key had left.
                #expect(key.state == .disabled(.rotated, .deletedAtProvider) && key.spent == Money(dollars: 1))
                let successorID = try #require(key.replacedBy)
                let successor = try #require(try await h.store.keys.find(successorID))
                #expect(successor.state == .active && successor.replaces == id)
                #expect(successor.limit == Money(dollars: 3) && successor.reserved == Money(dollars: 3))
                #expect(balances.available == Money(dollars: 6))
                #expect(try await h.providerKey(successor).limit == Money(dollars: 3))
            }
        }
    }
}

extension Optional where Wrapped == Data {
    var orEmpty: Data { self ?? Data() }
}

func sqlitePath(_ h: LifecycleWorld) async throws -> DatabaseURL? {
    guard h.store.engine.kind == .sqlite else { return nil }
    let path: String? = try await h.store.engine.read { db in
        try await db.raw("PRAGMA database_list").all().first?.decode(column: "file", as: String.self)
    }
    return path.map { .sqlite(path: $0) }
}
