import Foundation
import OpenRouter
import OpenRouterSim
import OpubCore
import OpubServer
import OpubStore
import OpubTestSupport
import Testing

@Suite("Monthly allowance keys", .serialized)
struct MonthlyAllowanceKeyTests {
    /// Moves the harness clock to a minute into the next UTC month.
    func nextMonth(_ h: LifecycleWorld) {
        let start = AllowanceMonth(h.clock.now()).renewsOn.start
        h.clock.advance(seconds: (start.microsSinceEpoch - h.clock.now().microsSinceEpoch) / 1_000_000 + 60)
    }

    @Test(
        "the first cycle of a month releases what is unspent and reserves the allowance again, as far as it goes",
        arguments: TestEngine.available)
    func rollover(engine: TestEngine) async throws {
        try await withLifecycleWorld(engine) { h in
            let project = try await h.project(dollars: 20)
            let made = try await h.provisioner.create(
                in: project.id, KeyRequest(name: "ci", amount: .monthly(Money(dollars: 5))))
            let month = AllowanceMonth(h.clock.now())
            #expect(made.key.allowance == Money(dollars: 5) && made.key.allowanceMonth == month)
            #expect(made.key.reserved == Money(dollars: 5))
            // The provider's limit is absolute: no limit_reset.
            let remote = try await h.providerKey(made.key)
            #expect(remote.limit == Money(dollars: 5) && remote.limitReset == nil)

            try await h.charge(made.key, usd: "2")
            #expect(try await h.executor.runCycle().allowancesRolled == 0)
            nextMonth(h)
            let report = try await h.executor.runCycle()
            #expect(report.allowancesRolled == 1 && report.errors == [])
            var key = try #require(try await h.store.keys.find(made.key.id))
            #expect(key.allowanceMonth == AllowanceMonth(h.clock.now()) && key.allowanceMonth != month)
            #expect(
                key.spent == Money(dollars: 2) && key.reserved == Money(dollars: 5) && key.limit == Money(dollars: 7))
            #expect(try await h.providerKey(made.key).limit == Money(dollars: 7))
            // Unspent allowance did not carry over: $2 spent, $5 held, $13 available.
            #expect(try await h.store.projects.balances(project.id).available == Money(dollars: 13))
            // Once a month only.
            #expect(try await h.executor.runCycle().allowancesRolled == 0)
            let kinds = try await h.store.ledger.all(of: project.id).map(\.kind)
            #expect(kinds.suffix(2) == [.release, .reserve])

            // The project can afford less than the allowance: only what there is is reserved.
            _ = try await h.provisioner.create(in: project.id, KeyRequest(name: "other", limit: Money(dollars: 13)))
            try await h.charge(made.key, usd: "4")
            _ = try await h.executor.runCycle()
            nextMonth(h)
            #expect(try await h.executor.runCycle().allowancesRolled == 1)
            key = try #require(try await h.store.keys.find(made.key.id))
            #expect(
                key.spent == Money(dollars: 6) && key.reserved == Money(dollars: 1) && key.limit == Money(dollars: 7))
            #expect(try await h.providerKey(made.key).limit == Money(dollars: 7))
            #expect(try await h.store.projects.balances(project.id).available == .zero)
            #expect(try await h.verify() == [])
        }
    }

    @Test("a provider that refuses the new limit is caught up by the next cycle's limit restore")
    func providerDown() async throws {
        try await withLifecycleWorld(.sqlite) { h in
            let project = try await h.project(dollars: 20)
            let made = try await h.provisioner.create(
                in: project.id, KeyRequest(name: "ci", amount: .monthly(Money(dollars: 5))))
            try await h.charge(made.key, usd: "1")
            nextMonth(h)
            await h.simulator.state.addFaultRules([
                FaultRule(route: "PATCH /keys/{hash}", errorStatus: 503, count: 10)
            ])
            let failed = try await h.executor.runCycle()
            #expect(failed.errors.contains { $0.contains("allowance rollover") } || failed.allowancesRolled == 1)
            await h.simulator.state.setFaults(FaultSettings())
            _ = try await h.executor.runCycle()
            _ = try await h.executor.runCycle()
            let key = try #require(try await h.store.keys.find(made.key.id))
            #expect(key.allowanceMonth == AllowanceMonth(h.clock.now()) && key.limit == Money(dollars: 6))
            #expect(try await h.providerKey(made.key).limit == Money(dollars: 6))
            #expect(try await h.verify() == [])
        }
    }
}

@Suite("Monthly allowance keys over HTTP", .serialized)
struct MonthlyAllowanceRouteTests {
    @Test("the API creates a monthly key and shows when it renews; limit and allowance together are refused")
    func api() async throws {
        try await withKeyWorld(.sqlite) { world in
            let ada = try await world.maintainer("ada", of: "acme/widgets", dollars: 20)
            let path = "/api/v1/projects/acme/widgets/keys"
            let both = try await ada.post(world.app, path, json: #"{"name":"ci","limit":"5.00","allowance":"5.00"}"#)
            #expect(both.status == .badRequest && both.text.contains("not both"))
            let created = try await ada.post(world.app, path, json: #"{"name":"ci","allowance":"5.00"}"#)
            #expect(created.status == .created, "\(created.text)")
            let key = try #require(try created.json()["key"] as? [String: Any])
            #expect((key["allowance"] as? [String: Any])?["usd"] as? String == "5.000000")
            let renews = AllowanceMonth(world.store.clock.now()).renewsOn.iso8601
            #expect(key["renews_on"] as? String == renews)
            let page = try await ada.get(world.app, "/github/acme/widgets/keys")
            #expect(page.text.contains("$5.00 / month") && page.text.contains("renews on \(renews)"))
        }
    }
}
