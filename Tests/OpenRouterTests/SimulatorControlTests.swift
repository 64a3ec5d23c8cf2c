import Foundation
import OpenRouter
import OpenRouterSim
import OpubCore
import Testing

@Suite("Simulator controls: faults endpoint, flags, persistence")
struct SimulatorControlTests {
    @Test("/_sim/faults sets, shows and clears rules; it needs the management key")
    func faultsEndpoint() async throws {
        try await withSimulatorWorld { sim in
            let body = #"{"rules":[{"route":"GET /credits","error_status":502,"count":1}],"usage_lag_seconds":5}"#
            let set = try await sim.rawJSON("POST", "/_sim/faults", key: SimulatorWorld.managementKey, body: body)
            #expect(set.status == 200)
            #expect(set.json["usage_lag_seconds"] as? Int == 5)
            let retried = sim.client(SimulatorWorld.managementKey)
            _ = try await retried.credits()
            #expect(sim.sleeper.delays.count == 1)
            let shown = try await sim.rawJSON("GET", "/_sim/faults", key: SimulatorWorld.managementKey)
            #expect((shown.json["rules"] as? [Any])?.isEmpty == true)
            let cleared = try await sim.rawJSON("DELETE", "/_sim/faults", key: SimulatorWorld.managementKey)
            #expect(cleared.json["usage_lag_seconds"] as? Int == 0)
            let key = try await sim.createKey()
            #expect(try await sim.raw("GET", "/_sim/faults", key: key.secret).status == 403)
        }
    }

    @Test("--fault flags parse, and bad ones say what is wrong")
    func faultFlags() throws {
        let rule = try FaultRule(flag: "route=POST /keys,error_status=502,error_rate=0.5,count=2,retry_after=1")
        #expect(rule == FaultRule(route: "POST /keys", errorStatus: 502, errorRate: 0.5, retryAfter: 1, count: 2))
        #expect(rule.matches(method: "POST", template: "/keys"))
        #expect(!rule.matches(method: "GET", template: "/keys"))
        #expect(FaultRule(route: "/keys/abc").matches(method: "DELETE", template: "/keys/{hash}"))
        #expect(throws: FaultFlagError.self) { try FaultRule(flag: "route=*,colour=blue") }
    }

    @Test("state persists to a file and loads back")
    func persistence() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sim-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let configuration = SimulatorConfiguration(managementKeys: [SimulatorWorld.managementKey], seed: 3)
        let first = OpenRouterSimulator(configuration: configuration)
        let hashes = await first.state.seedKeys(count: 3, limit: Money(dollars: 2))
        try await first.saveState(to: path)

        let second = OpenRouterSimulator(configuration: configuration)
        try await second.loadState(from: path)
        #expect(await second.state.keyCount == 3)
        let more = await second.state.seedKeys(count: 1)
        #expect(!hashes.contains(more[0]))
    }
}
