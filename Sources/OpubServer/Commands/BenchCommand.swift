import ArgumentParser
import Foundation
import OpubCore
import OpubStore

/// Benchmarks that measure a whole process against a real database.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Measure opub on this machine.", subcommands: [ReserveBench.self])

    /// The key reservation path (`money.md` create step 2, provider stubbed): lock the project,
    /// re-check available, insert a provisioning key, post `reserve`.
    struct ReserveBench: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "reserve", abstract: "Key reservations per second on the ledger write path.")

        @Option(
            help:
                "Database to measure (default: a fresh SQLite file in a temporary directory). Use an empty PostgreSQL database; the benchmark adds a project."
        )
        var databaseURL: String?

        @Option(help: "Reservations to make.")
        var count = 2000

        @Option(help: "Concurrent callers.")
        var concurrency = 16

        @Flag(help: "Print one JSON object instead of text.")
        var json = false

        func run() async throws {
            guard count > 0, concurrency > 0 else { throw OperatorError("--count and --concurrency must be positive") }
            var directory: URL?
            let url: DatabaseURL
            if let databaseURL {
                do { url = try DatabaseURL(parsing: databaseURL) } catch { throw OperatorError(oneLine(error)) }
            } else {
                let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
                    "opub-bench-\(UUID().uuidString)")
                try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
                directory = dir
                url = .sqlite(path: dir.appendingPathComponent("bench.sqlite").path)
            }
            defer { if let directory { try? FileManager.default.removeItem(at: directory) } }
            let count = self.count
            let concurrency = self.concurrency
            let outcome = try await Store.withStore(url: url, logger: commandLogger()) { store in
                try await store.migrate()
                let name = try RepositoryName(owner: "bench", repo: "reserve-\(UInt32.random(in: 0...UInt32.max))")
                let project = try await store.projects.create(name)
                try await store.ledger.post(
                    .grant(amount: Money(dollars: Int64(count))), to: project.id, idempotencyKey: "bench:\(project.id)",
                    memo: "benchmark")
                let clock = ContinuousClock()
                let start = clock.now
                let succeeded = try await withThrowingTaskGroup(of: Int.self) { group in
                    for worker in 0..<concurrency {
                        group.addTask {
                            var done = 0
                            var index = worker
                            while index < count {
                                _ = try await store.keys.reserveNewKey(
                                    in: project.id, name: "bench \(index)", limit: Money(dollars: 1))
                                done += 1
                                index += concurrency
                            }
                            return done
                        }
                    }
                    return try await group.reduce(0, +)
                }
                let elapsed = start.duration(to: clock.now)
                let verification = try await LedgerVerifier(store: store).verify(project: project.id)
                let balances = try await store.projects.balances(project.id)
                return (succeeded, elapsed, verification.isValid && balances.available.isZero)
            }
            let seconds = Double(outcome.1.components.seconds) + Double(outcome.1.components.attoseconds) / 1e18
            let rate = Double(outcome.0) / seconds
            let engine = url.description.hasPrefix("postgres") ? "postgres" : "sqlite"
            if json {
                print(
                    #"{"benchmark":"reserve","engine":"\#(engine)","count":\#(outcome.0),"concurrency":\#(concurrency),"seconds":\#(String(format: "%.3f", seconds)),"per_second":\#(String(format: "%.0f", rate)),"exact":\#(outcome.2)}"#
                )
            } else {
                print(
                    "reserve on \(engine): \(outcome.0) reservations in \(String(format: "%.3f", seconds)) s = \(String(format: "%.0f", rate))/s with \(concurrency) callers; ledger exact: \(outcome.2)"
                )
            }
            guard outcome.2 else { throw OperatorError("the benchmark's ledger did not verify") }
        }
    }
}
