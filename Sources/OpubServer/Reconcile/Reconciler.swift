import Logging
import OpubCore
import OpubStore
import ServiceLifecycle

/// The reconciler as a long-running service: a cycle every interval, on the one replica that holds
/// the `reconciler` lease. A replica that dies stops renewing and loses the lease within one interval.
public struct Reconciler: Service {
    public static let leaseName = "reconciler"

    let executor: ReconcileExecutor
    let store: Store
    let interval: Duration
    let holder: String
    let logger: Logger
    /// Where the outcome of each attempt is recorded for `/readyz`.
    let health: ProviderHealth?

    public init(
        executor: ReconcileExecutor, store: Store, interval: Duration = .seconds(60),
        holder: String = "replica-\(UInt64.random(in: 0...UInt64.max))",
        logger: Logger = Logger(label: "opub.reconciler"), health: ProviderHealth? = nil
    ) {
        self.health = health
        self.executor = executor
        self.store = store
        self.interval = interval
        self.holder = holder
        self.logger = logger
    }

    public func run() async throws {
        // Shutdown interrupts the sleep between cycles (a cycle in progress finishes its current step:
        // every step is idempotent, and the lease expires within one interval if this process dies).
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelledOrShuttingDown {
                let outcome = await runOnce()
                // After a failed cycle (e.g. the provider not reachable yet at start-up) try again soon.
                let pause = outcome.failed ? min(interval, .seconds(5)) : interval
                try await Task.sleep(for: pause)
            }
        }
        try? await store.leases.release(Self.leaseName, holder: holder)
    }

    /// What one attempt at a cycle came to.
    public enum Outcome: Sendable {
        case completed(ReconcileReport)
        case leaseHeldElsewhere
        case failed(String)

        var failed: Bool { if case .failed = self { true } else { false } }

        /// The report of a completed cycle.
        public var report: ReconcileReport? { if case .completed(let report) = self { report } else { nil } }
    }

    /// One cycle if this replica holds (or takes) the lease.
    public func runOnce() async -> Outcome {
        let outcome = await attempt()
        health?.record(outcome)
        return outcome
    }

    func attempt() async -> Outcome {
        do {
            let seconds = max(1, interval.components.seconds)
            guard try await store.leases.acquire(Self.leaseName, holder: holder, seconds: seconds) else {
                logger.debug("another replica holds the reconcile lease")
                return .leaseHeldElsewhere
            }
            let report = try await executor.runCycle()
            logger.info("reconcile cycle", metadata: ["summary": "\(report)"])
            return .completed(report)
        } catch {
            logger.error("reconcile cycle failed", metadata: ["error": "\(error)"])
            return .failed(String(describing: error))
        }
    }
}

extension Task where Success == Never, Failure == Never {
    static var isCancelledOrShuttingDown: Bool { Task.isCancelled || Task.isShuttingDownGracefully }
}
