import OpubCore
import OpubStore
import OpubTestSupport
import Testing

/// ``Store/recordUsages(_:previousCycle:)``: a reconcile cycle's spend of many projects in one write
/// posts exactly what each key's own ``ProjectWrite/recordUsage(_:usage:previousCycle:)`` would, and a
/// batch that cannot be posted writes nothing.
@Suite("A reconcile cycle's spend in one write", .serialized)
struct UsageBatchTests {
    /// Three funded projects of four active keys each; in every project key `k1` has a session still
    /// running and `k2` one that ended before the cycle's interval began (at `previousCycle`).
    struct World {
        var projects: [ProjectRecord] = []
        var keys: [String: ComputeKeyRecord] = [:]
        let previousCycle: Timestamp

        /// Per project: `k0` grows by 10,000 µ$ times the project's number plus one (`p2/k0` by $3, past
        /// its $2 reservation), `k1` by 20,000, `k2` by 30,000, and `k3` reports what it spent already.
        var readings: [ProjectID: [(KeyID, Money)]] {
            var readings: [ProjectID: [(KeyID, Money)]] = [:]
            for (index, project) in projects.enumerated() {
                let name = project.name.description
                readings[project.id] = [
                    (keys["\(name)/k0"]!.id, index == 2 ? Money(dollars: 3) : Money(micros: 10_000 * Int64(index + 1))),
                    (keys["\(name)/k1"]!.id, Money(micros: 20_000)),
                    (keys["\(name)/k2"]!.id, Money(micros: 30_000)),
                    (keys["\(name)/k3"]!.id, .zero),
                ]
            }
            return readings
        }
    }

    /// The world on `store`, whose clock is a ``ManualClock``.
    static func world(_ store: Store) async throws -> World {
        let clock = try #require(store.clock as? ManualClock)
        let start = AgentSessionStart(surface: "claude", surfaceVersion: "1.0", cliVersion: "0.1.0", os: "linux")
        var world = World(previousCycle: clock.now().adding(seconds: 30))
        for index in 0..<3 {
            let project = try await fundedProject(store, dollars: 10, name: "acme/p\(index)")
            world.projects.append(project)
            for keyIndex in 0..<4 {
                let key = try await store.keys.reserveNewKey(
                    in: project.id, KeyRequest(name: "k\(keyIndex)", limit: Money(dollars: 2)))
                _ = try await store.withProjectLock(project.id) { try await $0.transition(key.id, .provisioned) }
                world.keys["acme/p\(index)/k\(keyIndex)"] = try #require(try await store.keys.find(key.id))
            }
            _ = try await store.agentSessions.start(.random(), key: world.keys["acme/p\(index)/k1"]!, start)
            let ended = SessionID.random()
            _ = try await store.agentSessions.start(ended, key: world.keys["acme/p\(index)/k2"]!, start)
            clock.advance(seconds: 10)
            _ = try await store.agentSessions.end(ended, reason: "exited", exitCode: 0)
        }
        clock.advance(seconds: 60)
        return world
    }

    /// What the ledger and the key rows say after the spend, without the random ids: per project its
    /// totals, chain length and transactions (sequence, kind, memo, linked or not, posting amounts); per
    /// key what it spent and holds, when its usage was read and which day's detail is due.
    static func outcome(_ store: Store, _ world: World) async throws -> [String] {
        var lines: [String] = []
        for project in world.projects {
            let now = try #require(try await store.projects.find(project.id))
            lines.append("\(project.name) \(now.totals) chain \(now.chainLength)")
            for tx in try await store.ledger.all(of: project.id) {
                lines.append(
                    "  \(tx.sequence) \(tx.kind) \(tx.memo) linked \(tx.sessionID != nil) "
                        + tx.postings.map { "\($0.amount.micros)" }.joined(separator: " "))
            }
        }
        for (name, key) in world.keys.sorted(by: { $0.key < $1.key }) {
            let now = try #require(try await store.keys.find(key.id))
            lines.append(
                "\(name) spent \(now.spent.micros) reserved \(now.reserved.micros) read \(String(describing: now.usageReadAt)) due \(String(describing: now.detailDueDay))"
            )
        }
        return lines
    }

    @Test(
        "posts what each key's own reading would: growth only, linked by session, past a reservation",
        arguments: TestEngine.available)
    func sameAsOneByOne(engine: TestEngine) async throws {
        let oneByOne = try await withTestStore(engine, clock: ManualClock()) { store, _ in
            let world = try await Self.world(store)
            for project in world.projects {
                try await store.withProjectLock(project.id) { write in
                    for (key, usage) in world.readings[project.id] ?? [] {
                        _ = try await write.recordUsage(key, usage: usage, previousCycle: world.previousCycle)
                    }
                }
            }
            return try await Self.outcome(store, world)
        }
        try await withTestStore(engine, clock: ManualClock()) { store, _ in
            let world = try await Self.world(store)
            let (posted, keys) = try await store.recordUsages(world.readings, previousCycle: world.previousCycle)
            // k0, k1 and k2 of each project grew; k3 did not.
            #expect(posted.count == 9)
            #expect(Set(keys.keys) == Set(world.readings.values.flatMap { $0.map(\.0) }))
            #expect(try await Self.outcome(store, world) == oneByOne)
            // The running session links k1's spend; k2's session ended before the interval began.
            let linked = Dictionary(posted.map { ($0.keyID!, $0.sessionID != nil) }, uniquingKeysWith: { $1 })
            for project in world.projects {
                #expect(linked[world.keys["\(project.name)/k1"]!.id] == true)
                #expect(linked[world.keys["\(project.name)/k2"]!.id] == false)
            }
            // Spend past the reservation comes out of available: p2 had $10 − 4 × $2 reserved.
            let p2 = try #require(try await store.projects.find(world.projects[2].id))
            #expect(p2.totals.available == Money(dollars: 1))
            // The same readings again post nothing.
            let again = try await store.recordUsages(world.readings, previousCycle: world.previousCycle)
            #expect(again.transactions.isEmpty)
            #expect(try await Self.outcome(store, world) == oneByOne)
            #expect(try await LedgerVerifier(store: store).verify().violations == [])
        }
    }

    @Test("a batch that cannot be posted whole writes nothing", arguments: TestEngine.available)
    func allOrNothing(engine: TestEngine) async throws {
        try await withTestStore(engine, clock: ManualClock()) { store, _ in
            let world = try await Self.world(store)
            let before = try await Self.outcome(store, world)
            // A key of another project among a project's readings.
            var readings = world.readings
            readings[world.projects[0].id]?.append((world.keys["acme/p1/k0"]!.id, Money(dollars: 1)))
            await #expect(throws: LedgerStoreError.unknownKey(world.keys["acme/p1/k0"]!.id)) {
                _ = try await store.recordUsages(readings, previousCycle: world.previousCycle)
            }
            #expect(try await Self.outcome(store, world) == before)
            // A reading whose idempotency key is taken (a key row that lost its spend): the insert fails,
            // every project's spend is rolled back with it.
            let victim = world.keys["acme/p2/k1"]!
            try await store.ledger.post(
                .spend(victim.id, amount: Money(micros: 20_000)), to: world.projects[2].id,
                idempotencyKey: "spend:\(victim.id.rawValue):20000", memo: "earlier")
            try await rawSQL(store, "UPDATE compute_keys SET spent_micros = 0 WHERE id = '\(victim.id.rawValue)'")
            let diverged = try await Self.outcome(store, world)
            await #expect(throws: (any Error).self) {
                _ = try await store.recordUsages(world.readings, previousCycle: world.previousCycle)
            }
            #expect(try await Self.outcome(store, world) == diverged)
        }
    }
}
