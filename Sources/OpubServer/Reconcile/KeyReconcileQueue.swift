import Logging
import OpubCore
import Synchronization

/// Targeted reconciles of single keys (a session ended), run in the background so that the CLI's
/// `end` call answers at once. A key already being reconciled is not queued twice; a failure is
/// logged and left to the next full cycle, which records the same spend (the session still counts
/// as linked then, because it ended after the previous reading).
public final class KeyReconcileQueue: Sendable {
    let executor: ReconcileExecutor
    let logger: Logger
    private let running = Mutex<Set<KeyID>>([])
    private let started = Atomic<Int>(0)

    /// How many targeted reconciles this queue has started (each costs provider reads).
    public var startedCount: Int { started.load(ordering: .relaxed) }

    public init(executor: ReconcileExecutor, logger: Logger) {
        self.executor = executor
        self.logger = logger
    }

    /// Starts a reconcile of `key` unless one is running; returns the task when it started one.
    @discardableResult
    public func request(_ key: KeyID) -> Task<Void, Never>? {
        let started = running.withLock { $0.insert(key).inserted }
        guard started else { return nil }
        self.started.add(1, ordering: .relaxed)
        return Task {
            defer { _ = running.withLock { $0.remove(key) } }
            do {
                try await executor.reconcileKey(key)
            } catch {
                logger.warning("targeted reconcile failed", metadata: ["key": "\(key)", "error": "\(error)"])
            }
        }
    }
}
