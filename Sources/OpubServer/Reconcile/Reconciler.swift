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

    public init(
        executor: ReconcileExecutor, store: Store, interval: Duration = .seconds(60),
        holder: String = "replica-\(UInt64.random(in: 0...UInt64.max))",
        logger: Logger = Logger(label: "opub.reconciler")
    ) {
        self.executor = executor
        self.store = store
        self.interval = interval
        self.holder = holder
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isCancelledOrShuttingDown {
            _ = await runOnce()
            do {
                try await Task.sleep(for: interval)
            } catch {
                break
            }
        }
        try? await store.leases.release(Self.leaseName, holder: holder)
    }

    /// One cycle if this replica holds (or takes) the lease; nil when another replica has it.
    public func runOnce() async -> ReconcileReport? {
        do {
            let seconds = max(1, interval.components.seconds)
            guard try await store.leases.acquire(Self.leaseName, holder: holder, seconds: seconds) else {
                logger.debug("another replica holds the reconcile lease")
                return nil
            }
            let report = try await executor.runCycle()
            logger.info("reconcile cycle", metadata: ["summary": "\(report)"])
            return report
        } catch {
            logger.error("reconcile cycle failed", metadata: ["error": "\(error)"])
            return nil
        }
    }
}

extension Task where Success == Never, Failure == Never {
    static var isCancelledOrShuttingDown: Bool { Task.isCancelled || Task.isShuttingDownGracefully }
}
