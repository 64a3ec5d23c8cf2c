import ArgumentParser
import Foundation
import OpenRouter
import OpenRouterSim
import OpubCore
import OpubStore
import Synchronization

/// Benchmarks that measure a whole process against a real database.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Measure opub on this machine.",
        subcommands: [ReserveBench.self, ReconcileBench.self, SeedLedgerBench.self])

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

        @Option(help: "Projects the reservations are spread over (each project's money is serialised by its lock).")
        var projects = 1

        @Flag(help: "Print one JSON object instead of text.")
        var json = false

        func run() async throws {
            guard count > 0, concurrency > 0, projects > 0 else {
                throw OperatorError("--count, --concurrency and --projects must be positive")
            }
            let workspace = try BenchWorkspace(databaseURL: databaseURL)
            defer { workspace.remove() }
            let url = workspace.url
            let count = self.count
            let concurrency = self.concurrency
            let projectCount = self.projects
            let outcome = try await Store.withStore(url: url, logger: commandLogger()) { store in
                try await store.migrate()
                var projects: [ProjectID] = []
                let run = UInt32.random(in: 0...UInt32.max)
                for index in 0..<projectCount {
                    let name = try RepositoryName(owner: "bench", repo: "reserve-\(run)-\(index)")
                    let project = try await store.projects.create(name)
                    let share = count / projectCount + (index < count % projectCount ? 1 : 0)
                    if share > 0 {
                        try await store.ledger.post(
                            .grant(amount: Money(dollars: Int64(share))), to: project.id,
                            idempotencyKey: "bench:\(project.id)", memo: "benchmark")
                    }
                    projects.append(project.id)
                }
                let targets = projects
                let clock = ContinuousClock()
                let start = clock.now
                let succeeded = try await withThrowingTaskGroup(of: Int.self) { group in
                    for worker in 0..<concurrency {
                        group.addTask {
                            var done = 0
                            var index = worker
                            while index < count {
                                _ = try await store.keys.reserveNewKey(
                                    in: targets[index % targets.count],
                                    KeyRequest(name: "bench \(index)", limit: Money(dollars: 1)))
                                done += 1
                                index += concurrency
                            }
                            return done
                        }
                    }
                    return try await group.reduce(0, +)
                }
                let elapsed = start.duration(to: clock.now)
                let batches = await store.engine.groupCommits.reservations.writes
                FileHandle.standardError.write(Data("reserve: \(succeeded) reservations in \(batches) commits\n".utf8))
                var exact = true
                for project in targets {
                    let verification = try await LedgerVerifier(store: store).verify(project: project)
                    let balances = try await store.projects.balances(project)
                    exact = exact && verification.isValid && balances.available.isZero
                }
                return (succeeded, elapsed, exact)
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
                    "reserve on \(engine): \(outcome.0) reservations in \(String(format: "%.3f", seconds)) s = \(String(format: "%.0f", rate))/s with \(concurrency) callers over \(projectCount) project(s); ledger exact: \(outcome.2)"
                )
            }
            guard outcome.2 else { throw OperatorError("the benchmark's ledger did not verify") }
        }
    }
}

/// The reconcile benchmark of `quality.md`: N active keys spread over projects, reconciled against
/// an in-process simulator over real HTTP.
struct ReconcileBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reconcile",
        abstract: "Reconcile cycles over many active keys: provider calls and time, idle and with every key spent.")

    @Option(help: "Active keys.")
    var keys = 10_000

    @Option(help: "Projects they belong to.")
    var projects = 1_000

    @Option(help: "Database (default: a fresh SQLite file in a temporary directory).")
    var databaseURL: String?

    func run() async throws {
        guard keys > 0, projects > 0, projects <= keys else { throw OperatorError("need 0 < --projects ≤ --keys") }
        let workspace = try BenchWorkspace(databaseURL: databaseURL)
        defer { workspace.remove() }
        let (keys, projects) = (self.keys, self.projects)
        let managementKey = SimulatorConfiguration.generateManagementKey()
        let configuration = SimulatorConfiguration(managementKeys: [managementKey], seed: 1)
        let lines = try await OpenRouterSimulator.withRunningServer(configuration: configuration) { simulator in
            try await Store.withStore(url: workspace.url, logger: commandLogger()) { store in
                try await store.migrate()
                let client = OpenRouterClient(apiKey: managementKey, configuration: .init(baseURL: simulator.baseURL))
                let provider = CountingProviderKeys(client)
                let provisioner = KeyProvisioner(store: store, provider: provider, logger: commandLogger())
                let setupStart = ContinuousClock.now
                // Eight projects are set up at a time (each project's keys one after another): the
                // 100,000-key run takes minutes instead of a quarter of an hour.
                let hashes = try await (0..<projects).concurrentMap(limit: 8) { index in
                    let name = try RepositoryName(owner: "bench", repo: "project-\(index)")
                    let project = try await store.projects.create(name)
                    try await store.engine.write { db in
                        try await db.raw("UPDATE projects SET claimed_at = 1 WHERE id = \(bind: project.id.rawValue)")
                            .run()
                    }
                    let perProject = keys / projects + (index < keys % projects ? 1 : 0)
                    try await store.ledger.post(
                        .grant(amount: Money(dollars: Int64(perProject) * 10)), to: project.id,
                        idempotencyKey: "bench:\(project.id)", memo: "benchmark")
                    var hashes: [String] = []
                    for keyIndex in 0..<perProject {
                        let made = try await provisioner.create(
                            in: project.id, KeyRequest(name: "k\(keyIndex)", limit: Money(dollars: 10)))
                        hashes.append(made.key.providerHash!)
                    }
                    return hashes
                }.flatMap { $0 }
                let setup = setupStart.duration(to: .now)
                let executor = ReconcileExecutor(store: store, provider: provider, logger: commandLogger())

                /// A cycle's time, list calls, report, other calls, and how far the process's RSS rose
                /// above where it started (sampled every 10 ms; freed memory handed back first).
                func measure() async throws -> (Duration, Int, ReconcileReport, Int, Int) {
                    _ = MemoryTrimmer.mallocTrim?(0)
                    let before = ResidentMemory.bytes()
                    let calls = provider.calls
                    let estimatedLists = provider.listCalls
                    let lists = await simulator.state.requestCount("GET /keys")
                    let start = ContinuousClock.now
                    let (report, peak) = try await ResidentMemory.peak(during: { try await executor.runCycle() })
                    // The list calls the simulator answered (the wrapper only knows the listing's size).
                    let listed = await simulator.state.requestCount("GET /keys") - lists
                    let otherCalls = provider.calls - calls - (provider.listCalls - estimatedLists)
                    return (start.duration(to: .now), listed, report, otherCalls, max(0, peak - before))
                }
                func mib(_ bytes: Int) -> String { String(format: "%.1f MiB", Double(bytes) / 1_048_576) }
                let idle = try await measure()
                for hash in hashes { await simulator.state.addUsage(toKey: hash, amount: Money(micros: 12_345)) }
                let grown = try await measure()
                let bar = (keys + 99) / 100 + 1
                let exact =
                    try await LedgerVerifier(store: store).verify().isValid
                    && grown.2.spendPosted == Money(micros: 12_345 * Int64(keys))
                return [
                    "setup: \(keys) keys in \(projects) projects created through the provisioner in \(setup)",
                    "idle cycle:  \(idle.0), \(idle.1) provider calls (bar ≤ \(bar)) + \(idle.3) other calls, "
                        + "\(idle.2.actions) actions",
                    "grown cycle: \(grown.0), \(grown.1) provider calls (bar ≤ \(bar)) + \(grown.3) usage-detail reads "
                        + "(budget \(ReconcilePolicy().detailReadsPerCycle)), \(grown.2.actions) actions, "
                        + "\(grown.2.spendPosted.formattedPrecise()) posted",
                    "cycle memory: idle +\(mib(idle.4)), grown +\(mib(grown.4)) above the process before the cycle "
                        + "(\(grown.4 / keys) bytes per key at the grown cycle's peak); process RSS "
                        + "\(mib(ResidentMemory.bytes())) with the simulator and both ends' \(keys) keys",
                    "ledger exact after the cycles: \(exact)",
                ]
            }
        }
        lines.forEach { print($0) }
    }
}

/// A database for a benchmark: the given URL, or a SQLite file in a fresh temporary directory.
struct BenchWorkspace {
    let url: DatabaseURL
    let directory: URL?

    init(databaseURL: String?) throws {
        if let databaseURL {
            do { url = try DatabaseURL(parsing: databaseURL) } catch { throw OperatorError(oneLine(error)) }
            directory = nil
        } else {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("opub-bench-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            directory = dir
            url = .sqlite(path: dir.appendingPathComponent("bench.sqlite").path)
        }
    }

    func remove() {
        if let directory { try? FileManager.default.removeItem(at: directory) }
    }
}

/// Fills a database with a large public ledger for the public-read benchmark
/// (`scripts/bench-public-reads`): projects with one key each and `--transactions` spend
/// transactions in all, half of them linked to a session, through the store's own write path
/// (each one checked, chained and counted in the maintained totals; 5,000 to a write transaction so
/// that seeding takes minutes, not hours). The first project gets `--largest` of them.
struct SeedLedgerBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seed-ledger", abstract: "Fill a database with many spend transactions (for read benchmarks).")

    @Option(help: "The database to fill (created and migrated when new).")
    var databaseURL: String

    @Option(help: "Projects, each with one compute key.")
    var projects = 100

    @Option(help: "Spend transactions in all.")
    var transactions = 1_000_000

    @Option(help: "How many of them the first project gets (the rest are shared evenly).")
    var largest = 500_000

    func run() async throws {
        guard projects > 1, transactions >= largest, largest >= 0 else {
            throw OperatorError("need --projects > 1 and 0 ≤ --largest ≤ --transactions")
        }
        let url: DatabaseURL
        do { url = try DatabaseURL(parsing: databaseURL) } catch { throw OperatorError(oneLine(error)) }
        let (projects, transactions, largest) = (self.projects, self.transactions, self.largest)
        let started = ContinuousClock.now
        try await Store.withStore(url: url, logger: commandLogger()) { store in
            try await store.migrate()
            let run = UInt32.random(in: 0...UInt32.max)
            for index in 0..<projects {
                let share =
                    index == 0
                    ? largest
                    : (transactions - largest) / (projects - 1)
                        + (index - 1 < (transactions - largest) % (projects - 1) ? 1 : 0)
                let project = try await store.projects.create(
                    try RepositoryName(owner: "seed", repo: index == 0 ? "largest-\(run)" : "p\(index)-\(run)"))
                try await store.ledger.post(
                    .grant(amount: Money(dollars: 1_000)), to: project.id, idempotencyKey: "seed:\(project.id)",
                    memo: "benchmark seed")
                let key = try await store.keys.reserveNewKey(
                    in: project.id, KeyRequest(name: "seed", limit: Money(dollars: 100)))
                _ = try await store.withProjectLock(project.id) { try await $0.transition(key.id, .provisioned) }
                var posted = 0
                while posted < share {
                    let batch = min(5_000, share - posted)
                    let first = posted
                    try await store.withProjectLock(project.id) { write in
                        for n in first..<(first + batch) {
                            _ = try await write.post(
                                .spend(key.id, amount: Money(micros: 100)), idempotencyKey: "seed:\(key.id):\(n)",
                                memo: "Spend by key seed", session: n % 2 == 0 ? SessionID.random() : nil)
                        }
                    }
                    posted += batch
                }
                if index == 0 {
                    print("seed: the largest project is seed/largest-\(run) with \(share) spend transactions")
                }
            }
        }
        let elapsed = started.duration(to: .now)
        print("seed: \(transactions) spend transactions in \(projects) projects, \(elapsed.components.seconds) s")
    }
}

/// The process's resident memory, from `/proc/self/statm` (0 where there is none).
enum ResidentMemory {
    static func bytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// Runs `body` while sampling RSS every 10 ms; its result and the highest sample.
    static func peak<R: Sendable>(during body: () async throws -> R) async throws -> (R, Int) {
        let highest = Mutex(bytes())
        let sampler = Task {
            while !Task.isCancelled {
                let now = bytes()
                highest.withLock { $0 = max($0, now) }
                try? await Task.sleep(for: .milliseconds(10))
            }
        }
        defer { sampler.cancel() }
        let result = try await body()
        let now = bytes()
        return (result, highest.withLock { max($0, now) })
    }
}
