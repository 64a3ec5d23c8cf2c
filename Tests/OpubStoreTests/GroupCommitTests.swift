import OpubCore
import OpubStore
import OpubTestSupport
import Testing

/// ``Store/withProjectLocks(_:abortsAll:_:)``: many projects' money events in one durable commit,
/// each project still all-or-nothing, on both engines.
@Suite("Group commit of several projects", .serialized)
struct GroupCommitTests {
    struct Refused: Error {}
    struct Crash: Error {}

    @Test("a project whose part fails is rolled back alone; the others commit", arguments: TestEngine.available)
    func failingProjectAlone(engine: TestEngine) async throws {
        try await withTestStore(engine) { store, _ in
            let projects = [
                try await fundedProject(store, dollars: 10, name: "acme/one"),
                try await fundedProject(store, dollars: 10, name: "acme/two"),
                try await fundedProject(store, dollars: 10, name: "acme/three"),
            ]
            let failing = projects[1].id
            let results = try await store.withProjectLocks(projects.map(\.id)) { write in
                _ = try await write.post(
                    .grant(amount: Money(dollars: 1)), idempotencyKey: "g:\(write.project.id)", memo: "grant")
                if write.project.id == failing { throw Refused() }
                return write.project.id
            }
            for project in projects {
                let available = try await store.projects.balances(project.id).available
                if project.id == failing {
                    guard case .failure(let error) = results[project.id], error is Refused else {
                        Issue.record("the failing project was not reported")
                        return
                    }
                    #expect(available == Money(dollars: 10))
                    #expect(try await store.ledger.all(of: project.id).count == 1)
                } else {
                    #expect(try results[project.id]?.get() == project.id)
                    #expect(available == Money(dollars: 11))
                }
            }
            #expect(try await LedgerVerifier(store: store).verify().violations == [])
        }
    }

    @Test("an error that aborts all rolls every project back", arguments: TestEngine.available)
    func abortAll(engine: TestEngine) async throws {
        try await withTestStore(engine) { store, _ in
            let one = try await fundedProject(store, dollars: 10, name: "acme/one")
            let two = try await fundedProject(store, dollars: 10, name: "acme/two")
            await #expect(throws: Crash.self) {
                _ = try await store.withProjectLocks([one.id, two.id], abortsAll: { $0 is Crash }) { write in
                    _ = try await write.post(
                        .grant(amount: Money(dollars: 1)), idempotencyKey: "g:\(write.project.id)", memo: "grant")
                    if write.project.id == two.id { throw Crash() }
                }
            }
            #expect(try await store.projects.balances(one.id).available == Money(dollars: 10))
            #expect(try await store.projects.balances(two.id).available == Money(dollars: 10))
            #expect(try await LedgerVerifier(store: store).verify().violations == [])
        }
    }

    @Test(
        "group commits and single-project writers on the same projects interleave without deadlock",
        arguments: TestEngine.available)
    func concurrentWithSingleWriters(engine: TestEngine) async throws {
        try await withTestStore(engine) { store, _ in
            var projects: [ProjectID] = []
            for index in 0..<4 {
                projects.append(try await fundedProject(store, dollars: 0, name: "acme/p\(index)").id)
            }
            let targets = projects
            try await withThrowingTaskGroup(of: Void.self) { group in
                for round in 0..<10 {
                    group.addTask {
                        let results = try await store.withProjectLocks(targets.reversed()) { write in
                            try await write.post(
                                .grant(amount: Money(dollars: 1)), idempotencyKey: "batch:\(round):\(write.project.id)",
                                memo: "grant")
                        }
                        for result in results.values { _ = try result.get() }
                    }
                    group.addTask {
                        let project = targets[round % targets.count]
                        try await store.ledger.post(
                            .grant(amount: Money(dollars: 1)), to: project, idempotencyKey: "single:\(round)",
                            memo: "grant")
                    }
                }
                try await group.waitForAll()
            }
            var total = Money.zero
            for project in projects { total += try await store.projects.balances(project).available }
            #expect(total == Money(dollars: 50))
            #expect(try await LedgerVerifier(store: store).verify().violations == [])
        }
    }
}
