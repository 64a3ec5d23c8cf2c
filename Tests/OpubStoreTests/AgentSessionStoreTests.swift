import OpubCore
import OpubStore
import OpubTestSupport
import Testing

/// Agent sessions and usage records in the store, on both engines.
@Suite("Agent sessions and spend detail", .serialized)
struct AgentSessionStoreTests {
    static func start(_ surface: String = "claude") -> AgentSessionStart {
        AgentSessionStart(surface: surface, surfaceVersion: "1.0", cliVersion: "0.1.0", os: "linux")
    }

    @Test(
        "start is idempotent per key, refused for another key; end is final; silent sessions time out",
        arguments: TestEngine.available)
    func lifecycle(engine: TestEngine) async throws {
        let clock = ManualClock(Timestamp(microsSinceEpoch: 1_800_000_000_000_000))
        try await withTestStore(engine, clock: clock) { store, _ in
            let project = try await fundedProject(store, dollars: 10)
            let key = try await store.keys.reserveNewKey(
                in: project.id, KeyRequest(name: "one", limit: Money(dollars: 2)))
            let other = try await store.keys.reserveNewKey(
                in: project.id, KeyRequest(name: "two", limit: Money(dollars: 2)))
            let id = SessionID.random()
            guard case .created(let first) = try await store.agentSessions.start(id, key: key, Self.start()) else {
                Issue.record("the first start did not create the session")
                return
            }
            #expect(first.keyName == "one" && first.isOpen)
            clock.advance(seconds: 5)
            #expect(try await store.agentSessions.start(id, key: key, Self.start("codex")) == .existing(first))
            #expect(try await store.agentSessions.start(id, key: other, Self.start()) == .takenByAnotherKey)

            clock.advance(seconds: 20)
            try await store.agentSessions.recordHeartbeats([id: clock.now()])
            // An older heartbeat never moves it back.
            try await store.agentSessions.recordHeartbeats([id: clock.now().adding(seconds: -10)])
            #expect(try await store.agentSessions.find(id)?.lastHeartbeatAt == clock.now())

            let silent = SessionID.random()
            _ = try await store.agentSessions.start(silent, key: other, Self.start("vibe"))
            clock.advance(seconds: 100)
            try await store.agentSessions.recordHeartbeats([id: clock.now()])
            let swept = try await store.agentSessions.endSilent(before: clock.now().adding(seconds: -90))
            #expect(swept.map(\.id) == [silent])
            #expect(swept.first?.endReason == "timeout")
            #expect(swept.first?.endedAt == swept.first.map { $0.lastHeartbeatAt.adding(seconds: 90) })

            let ended = try #require(try await store.agentSessions.end(id, reason: "exited", exitCode: 0))
            #expect(ended.endReason == "exited" && ended.exitCode == 0 && !ended.isOpen)
            clock.advance(seconds: 5)
            #expect(try await store.agentSessions.end(id, reason: "signal", exitCode: 130) == ended)
            // Only the end that closed it says so (a replay, or an end racing it, queues no reconcile).
            let replay = try await store.agentSessions.endReporting(id, reason: "exited", exitCode: 0)
            #expect(replay.session == ended && !replay.endedNow)
            let sweptAgain = try await store.agentSessions.endReporting(silent, reason: "exited", exitCode: 0)
            #expect(!sweptAgain.endedNow)
            try await store.agentSessions.recordHeartbeats([id: clock.now()])
            #expect(try await store.agentSessions.find(id)?.lastHeartbeatAt == ended.lastHeartbeatAt)

            let surfaces = try await store.agentSessions.surfaces(of: project.id, since: Timestamp(microsSinceEpoch: 0))
            #expect(Set(surfaces.map(\.surface)) == ["claude", "vibe"])
            #expect(surfaces.allSatisfy { $0.sessions == 1 && $0.running == 0 })
            let latest = try await store.agentSessions.latestByKey(in: project.id)
            #expect(latest[key.id]?.id == id && latest[other.id]?.id == silent)
            #expect(try await store.agentSessions.openCount() == 0)
        }
    }

    @Test("session pages are newest first and stable while sessions start", arguments: TestEngine.available)
    func pages(engine: TestEngine) async throws {
        let clock = ManualClock(Timestamp(microsSinceEpoch: 1_800_000_000_000_000))
        try await withTestStore(engine, clock: clock) { store, _ in
            let project = try await fundedProject(store, dollars: 10)
            let key = try await store.keys.reserveNewKey(
                in: project.id, KeyRequest(name: "one", limit: Money(dollars: 2)))
            var started: [SessionID] = []
            for index in 0..<7 {
                let id = SessionID.random()
                _ = try await store.agentSessions.start(id, key: key, Self.start())
                started.append(id)
                if index % 2 == 0 { clock.advance(seconds: 1) }  // some share a start time
            }
            var seen: [SessionID] = []
            var cursor: TimeCursor?
            repeat {
                let page = try await store.agentSessions.page(of: project.id, cursor: cursor, limit: 3)
                seen += page.items.map(\.id)
                _ = try await store.agentSessions.start(SessionID.random(), key: key, Self.start())
                cursor = try page.nextCursor.map { try TimeCursor.sessions(decoding: $0) }
            } while cursor != nil
            #expect(Set(seen).isSuperset(of: started))
            #expect(Set(seen).count == seen.count)
            #expect(throws: StoreError.self) { try TimeCursor.sessions(decoding: "s12.nope") }
        }
    }

    @Test(
        "usage records replace a day's reading and are linked when that day's spend was",
        arguments: TestEngine.available)
    func usage(engine: TestEngine) async throws {
        let clock = ManualClock(Timestamp(microsSinceEpoch: 1_800_000_000_000_000))
        try await withTestStore(engine, clock: clock) { store, _ in
            let project = try await fundedProject(store, dollars: 10)
            let key = try await store.keys.reserveNewKey(
                in: project.id, KeyRequest(name: "one", limit: Money(dollars: 2)))
            let session = SessionID.random()
            _ = try await store.agentSessions.start(session, key: key, Self.start())
            clock.advance(seconds: 30)
            try await store.withProjectLock(project.id) { write in
                _ = try await write.recordUsage(key.id, usage: Money(micros: 40_000))
            }
            let today = clock.now().civilDate.iso8601
            let yesterday = clock.now().adding(seconds: -86_400).civilDate.iso8601
            func reading(_ date: String, _ model: String, micros: Int64) -> UsageReading {
                UsageReading(
                    date: date, model: model, providerName: "OpenAI", requests: 2, promptTokens: 100,
                    completionTokens: 50, reasoningTokens: 0, cost: Money(micros: micros))
            }
            try await store.usage.record(
                [
                    reading(today, "openai/gpt-5.4-mini", micros: 30_000),
                    reading(yesterday, "openai/gpt-5.4", micros: 10_000),
                ],
                for: key)
            try await store.usage.record([reading(today, "openai/gpt-5.4-mini", micros: 35_000)], for: key)
            let page = try await store.usage.page(of: project.id)
            #expect(page.items.count == 2)
            #expect(page.items.first?.reading.date == today)
            #expect(page.items.first?.reading.cost == Money(micros: 35_000))
            #expect(page.items.first?.isLinked == true)
            #expect(page.items.first?.sessionID == session)
            #expect(page.items.last?.isLinked == false)
            #expect(page.items.first?.keyName == "one")
            let first = try await store.usage.page(of: project.id, limit: 1)
            let cursor = try #require(first.nextCursor)
            let second = try await store.usage.page(of: project.id, cursor: try UsageCursor(decoding: cursor), limit: 1)
            #expect(second.items.map(\.reading.date) == [yesterday])
            #expect(second.nextCursor == nil)

            let summary = try #require(try await store.projects.summary(project.id))
            #expect(summary.linkedCoverage30d == 1.0)
            let days = try await store.ledger.dailySpend(of: project.id, days: 30)
            #expect(days.count == 30)
            #expect(days.last?.linked == Money(micros: 40_000) && days.last?.unlinked == .zero)
            #expect(days.dropLast().allSatisfy { $0.total == .zero })
        }
    }
}
