import Foundation
import OpubCore
import OpubStore
import OpubTestSupport
import Testing

@Suite("Group-committed reservations", .serialized)
struct ReservationGroupCommitTests {
    @Test(
        "concurrent reservations of one project share commits; each is checked in order and a bad one fails alone",
        arguments: TestEngine.available)
    func batches(engine: TestEngine) async throws {
        try await withTestStore(engine) { store, _ in
            let project = try await fundedProject(store, dollars: 30)
            let taken = try await store.keys.reserveNewKey(
                in: project.id, KeyRequest(name: "first", limit: Money(dollars: 1)))
            let queue = store.engine.groupCommits.reservations
            let writesBefore = await queue.writes
            // 40 at once on $29: one reuses an existing key's id (its row cannot be inserted, so its batch
            // falls back to one by one), 29 of the other 39 fit.
            let outcomes = try await withThrowingTaskGroup(of: (Int, Bool).self) { group in
                for index in 0..<40 {
                    group.addTask {
                        do {
                            _ = try await store.keys.reserveNewKey(
                                in: project.id, KeyRequest(name: "k\(index)", limit: Money(dollars: 1)),
                                id: index == 17 ? taken.id : .random())
                            return (index, true)
                        } catch LedgerStoreError.rule(.insufficientAvailable) {
                            return (index, false)
                        } catch {
                            #expect(index == 17, "\(error)")
                            return (index, false)
                        }
                    }
                }
                return try await group.reduce(into: [Int: Bool]()) { $0[$1.0] = $1.1 }
            }
            #expect(outcomes[17] == false)
            #expect(outcomes.values.filter { $0 }.count == 29)
            let writes = await queue.writes - writesBefore
            #expect(writes < 40, "every reservation was its own commit")
            let balances = try await store.projects.balances(project.id)
            #expect(balances.available == .zero)
            #expect(balances.reserved == Money(dollars: 30))
            #expect(try await store.keys.all(in: project.id).count == 30)
            let verification = try await LedgerVerifier(store: store).verify()
            #expect(verification.violations == [])
            #expect(verification.transactionsChecked == 31)
        }
    }

    @Test(
        "killed mid-batch: every acknowledged reservation is there, none is applied twice when retried",
        arguments: TestEngine.available)
    func killedMidBatch(engine: TestEngine) async throws {
        let fixture = Self.fixturePath
        try #require(FileManager.default.isExecutableFile(atPath: fixture), "build the tests first: \(fixture)")
        try await withTestStore(engine) { store, url in
            let project = try await fundedProject(store, dollars: 10_000)
            let databaseURL = url.description + (engine == .postgres ? "?sslmode=disable" : "")
            let output = FileManager.default.temporaryDirectory.appendingPathComponent("fixture-\(UUID()).out")
            FileManager.default.createFile(atPath: output.path, contents: nil)
            defer { try? FileManager.default.removeItem(at: output) }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: fixture)
            process.arguments = ["reserve-many", databaseURL, "acme/widgets", "1.00", "1000"]
            process.standardOutput = try FileHandle(forWritingTo: output)
            try process.run()
            // Kill it once some reservations are acknowledged and others are still in flight.
            var lines: [String] = []
            for _ in 0..<400 {
                lines = Self.lines(output)
                if lines.filter({ $0.hasPrefix("ok ") }).count >= 100 { break }
                try await Task.sleep(for: .milliseconds(25))
            }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            lines = Self.lines(output)
            let acknowledged = Set(lines.filter { $0.hasPrefix("ok ") }.compactMap { KeyID(String($0.dropFirst(3))) })
            let tried = Set(lines.filter { $0.hasPrefix("try ") }.compactMap { KeyID(String($0.dropFirst(4))) })
            try #require(acknowledged.count >= 100, "the fixture acknowledged only \(acknowledged.count)")
            #expect(acknowledged.count < 1000, "the fixture finished before it was killed")

            let stored = Set(try await store.keys.all(in: project.id).map(\.id))
            #expect(acknowledged.isSubset(of: stored), "an acknowledged reservation was lost")
            #expect(stored.isSubset(of: tried))
            // Retrying every unacknowledged one: each is applied exactly once in the end.
            await withTaskGroup(of: Void.self) { group in
                for id in tried.subtracting(acknowledged) {
                    group.addTask {
                        _ = try? await store.keys.reserveNewKey(
                            in: project.id, KeyRequest(name: "retry", limit: Money(dollars: 1)), id: id)
                    }
                }
            }
            let after = try await store.keys.all(in: project.id)
            #expect(Set(after.map(\.id)) == tried)
            #expect(after.count == tried.count)
            let balances = try await store.projects.balances(project.id)
            #expect(balances.reserved == Money(dollars: Int64(tried.count)))
            let verification = try await LedgerVerifier(store: store).verify()
            #expect(verification.violations == [])
            #expect(verification.transactionsChecked == tried.count + 1)
        }
    }

    static var fixturePath: String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return root.path + "/.build/debug/opub-test-fixture"
    }

    static func lines(_ file: URL) -> [String] {
        ((try? String(contentsOf: file, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }
}
