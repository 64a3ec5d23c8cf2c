import Testing

@testable import OpubCore

@Suite("Reconcile planner")
struct ReconcilePlannerTests {
    let project = ProjectID("prj_p")!
    let now = Timestamp(microsSinceEpoch: 10_000_000_000_000)

    func usd(_ cents: Int64) -> Money { Money(micros: cents * Money.microsPerCent) }

    func key(
        _ name: String, state: ComputeKeyState = .active, limit: Int64 = 500, reserved: Int64? = nil,
        spent: Int64 = 0, hash: String? = "default", expiresIn: Int64? = nil, age: Int64 = 3600,
        disabledAgo: Int64? = nil, project: ProjectID? = nil
    ) -> LocalKeySnapshot {
        let reservedCents = reserved ?? max(0, limit - spent)
        return LocalKeySnapshot(
            id: KeyID("ck_\(name)")!, projectID: project ?? self.project, state: state, limit: usd(limit),
            reserved: usd(reservedCents), spent: usd(spent), providerHash: hash == "default" ? "h_\(name)" : hash,
            expiresAt: expiresIn.map { now.adding(seconds: $0) }, createdAt: now.adding(seconds: -age),
            disabledAt: disabledAgo.map { now.adding(seconds: -$0) })
    }

    func remote(
        _ name: String, usage: Int64 = 0, limit: Int64? = 500, disabled: Bool = false, hash: String? = nil
    ) -> ProviderKeySnapshot {
        ProviderKeySnapshot(
            hash: hash ?? "h_\(name)", keyID: KeyID("ck_\(name)"), disabled: disabled, limit: limit.map(usd),
            usage: usd(usage))
    }

    func plan(
        _ keys: [LocalKeySnapshot], _ provider: [ProviderKeySnapshot], available: Int64 = 1000
    ) -> ReconcilePlan {
        ReconcilePlanner.plan(provider: provider, keys: keys, available: [project: usd(available)], now: now)
    }

    @Test("a stopped rotation: within the grace nothing; past it, undone if the old key was disabled, else abandoned")
    func stoppedRotation() {
        func successor(age: Int64) -> LocalKeySnapshot {
            let base = key("new", state: .provisioning, limit: 0, reserved: 0, age: age)
            return LocalKeySnapshot(
                id: base.id, projectID: base.projectID, state: base.state, limit: base.limit, reserved: base.reserved,
                spent: base.spent, providerHash: base.providerHash, expiresAt: nil, createdAt: base.createdAt,
                disabledAt: nil, replaces: KeyID("ck_old")!)
        }
        let old = key("old")
        let disabled = [remote("old", disabled: true), remote("new", limit: 0)]
        // A request still inside the grace is not overtaken, nor is the old key taken for provider_disabled.
        #expect(plan([old, successor(age: 30)], disabled).actions == [])
        #expect(
            plan([old, successor(age: 300)], disabled).actions == [
                .undoRotation(old: old.id, new: KeyID("ck_new")!, project)
            ])
        // The old key still works at the provider: only the stuck successor goes.
        #expect(
            plan([old, successor(age: 300)], [remote("old"), remote("new", limit: 0)]).actions == [
                .abandonProvisioning(KeyID("ck_new")!, project)
            ])
    }

    @Test("nothing changed: nothing to do")
    func quiet() {
        let result = plan([key("a", spent: 100)], [remote("a", usage: 100)])
        #expect(result.actions == [])
        #expect(result.alerts == [])
    }

    @Test("usage growth is recorded as spend with the new usage")
    func growth() {
        let result = plan([key("a", spent: 100)], [remote("a", usage: 150)])
        #expect(result.actions == [.recordSpend(KeyID("ck_a")!, project, growth: usd(50), newUsage: usd(150))])
        #expect(result.keysThatSpent == [KeyID("ck_a")!])
    }

    @Test("usage that went down (provider correction) is not spend")
    func shrink() {
        #expect(plan([key("a", spent: 100)], [remote("a", usage: 90)]).actions == [])
    }

    @Test("a key missing at the provider is disabled with an alert")
    func missing() {
        let result = plan([key("a")], [])
        #expect(result.actions == [.disable(KeyID("ck_a")!, project, reason: .providerMissing)])
        #expect(result.alerts.count == 1)
    }

    @Test("a key disabled at the provider behind opub's back is disabled locally, after its spend")
    func disabledRemotely() {
        let result = plan([key("a", spent: 10)], [remote("a", usage: 20, disabled: true)])
        #expect(
            result.actions == [
                .recordSpend(KeyID("ck_a")!, project, growth: usd(10), newUsage: usd(20)),
                .disable(KeyID("ck_a")!, project, reason: .providerDisabled),
            ])
    }

    @Test("a provider limit changed outside opub is put back")
    func limitDrift() {
        let result = plan([key("a", limit: 500)], [remote("a", limit: 9000)])
        #expect(result.actions == [.restoreLimit(KeyID("ck_a")!, hash: "h_a", limit: usd(500))])
        let unlimited = plan([key("a", limit: 500)], [remote("a", limit: nil)])
        #expect(unlimited.actions == [.restoreLimit(KeyID("ck_a")!, hash: "h_a", limit: usd(500))])
    }

    @Test("an expired key is disabled; one expiring later is left alone")
    func expiry() {
        #expect(
            plan([key("a", expiresIn: -1)], [remote("a")]).actions == [
                .disable(KeyID("ck_a")!, project, reason: .expired)
            ])
        #expect(plan([key("a", expiresIn: 60)], [remote("a")]).actions == [])
    }

    @Test("a pending provider sync continues the revoke")
    func pending() {
        let result = plan([key("a", state: .disabled(.revoked, .disablePending), reserved: 500)], [remote("a")])
        #expect(result.actions == [.finishDisable(KeyID("ck_a")!, project)])
    }

    @Test("after the settle window the provider key is deleted; not before")
    func settle() {
        let late = key("a", state: .disabled(.revoked, .disabledAtProvider), reserved: 0, disabledAgo: 601)
        #expect(plan([late], [remote("a", disabled: true)]).actions == [.deleteAfterSettle(KeyID("ck_a")!, project)])
        let early = key("a", state: .disabled(.revoked, .disabledAtProvider), reserved: 0, disabledAgo: 599)
        #expect(plan([early], [remote("a", disabled: true)]).actions == [])
    }

    @Test("a late charge after the disable is still recorded")
    func lateCharge() {
        let settled = key(
            "a", state: .disabled(.revoked, .disabledAtProvider), limit: 500, reserved: 0, spent: 200, disabledAgo: 30)
        let result = plan([settled], [remote("a", usage: 230, disabled: true)])
        #expect(result.actions == [.recordSpend(KeyID("ck_a")!, project, growth: usd(30), newUsage: usd(230))])
    }

    @Test("provisioning past the grace period is abandoned; a young one is left alone")
    func provisioning() {
        let old = key("a", state: .provisioning, hash: nil, age: 121)
        #expect(plan([old], []).actions == [.abandonProvisioning(KeyID("ck_a")!, project)])
        let young = key("b", state: .provisioning, hash: nil, age: 30)
        #expect(plan([young], [remote("b")]).actions == [])
    }

    @Test("provider keys of opub that match no live key are orphans; a provisioning key's is not")
    func orphans() {
        let result = plan(
            [key("a"), key("b", state: .provisioning, hash: nil, age: 5)], [remote("a"), remote("b"), remote("z")])
        #expect(result.actions == [.deleteOrphan(hash: "h_z")])
        // A duplicate left by a retried create, next to the key's real provider key.
        let duplicate = plan([key("a")], [remote("a"), remote("a", hash: "h_dup")])
        #expect(duplicate.actions == [.deleteOrphan(hash: "h_dup")])
    }

    @Test("debt cuts reservations newest first until covered and lowers provider limits")
    func cap() {
        let older = key("old", limit: 500, spent: 100, age: 7200)  // reserved 400
        let newer = key("new", limit: 300, spent: 0, age: 60)  // reserved 300
        let result = plan(
            [older, newer], [remote("old", usage: 100), remote("new", usage: 0, limit: 300)], available: -450)
        #expect(
            result.actions == [
                .cap(KeyID("ck_new")!, project, keep: .zero, newLimit: .zero),
                .cap(KeyID("ck_old")!, project, keep: usd(250), newLimit: usd(350)),
            ])
    }

    @Test("overshoot this cycle creates the debt that the cap then covers")
    func overshootThenCap() {
        let a = key("a", limit: 100, spent: 0, age: 100)  // reserved 100, spends 130 → 30 from available
        let b = key("b", limit: 200, spent: 0, age: 50)
        let result = plan([a, b], [remote("a", usage: 130, limit: 100), remote("b", limit: 200)], available: 10)
        #expect(
            result.actions == [
                .recordSpend(KeyID("ck_a")!, project, growth: usd(130), newUsage: usd(130)),
                .cap(KeyID("ck_b")!, project, keep: usd(180), newLimit: usd(180)),
            ])
    }

    @Test("a drained balance disables every active key")
    func drain() {
        let a = key("a", limit: 100, spent: 0)
        let b = key("b", limit: 100, spent: 0, age: 10)
        let result = plan(
            [a, b], [remote("a", usage: 100, limit: 100), remote("b", usage: 150, limit: 100)], available: -40)
        let disables = result.actions.filter { if case .disable = $0 { true } else { false } }
        #expect(
            Set(disables) == [
                .disable(KeyID("ck_a")!, project, reason: .balanceExhausted),
                .disable(KeyID("ck_b")!, project, reason: .balanceExhausted),
            ])
        #expect(!result.actions.contains { if case .cap = $0 { true } else { false } })
    }

    @Test("projects are capped independently")
    func perProject() {
        let other = ProjectID("prj_q")!
        let a = key("a", limit: 100)
        let b = key("b", limit: 100, project: other)
        let result = ReconcilePlanner.plan(
            provider: [remote("a", limit: 100), remote("b", limit: 100)], keys: [a, b],
            available: [project: usd(-10), other: usd(50)], now: now)
        #expect(result.actions == [.cap(KeyID("ck_a")!, project, keep: usd(90), newLimit: usd(90))])
    }
}
