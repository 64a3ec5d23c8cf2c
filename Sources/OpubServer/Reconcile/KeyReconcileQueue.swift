import Logging
import OpubCore
import ServiceLifecycle
import Synchronization

/// Targeted reconciles of single keys (a session ended), run in the background so that the CLI's
/// `end` call answers at once. A key already queued or being reconciled is not queued twice; a failure
/// is logged and left to the next full cycle, which records the same spend (the session still counts
/// as linked then, because it ended after the previous reading).
///
/// A `Service`: `serve` runs it beside the HTTP server, and a graceful shutdown stops taking new keys and
/// waits for the reconciles under way (their spend is then recorded, not cut off halfway).
public final class KeyReconcileQueue: Service, Sendable {
    let executor: ReconcileExecutor
    let logger: Logger
    private let keys: AsyncStream<KeyID>
    private let continuation: AsyncStream<KeyID>.Continuation
    private let queued = Mutex<Set<KeyID>>([])
    private let started = Atomic<Int>(0)
    private let finished = Atomic<Int>(0)

    /// How many targeted reconciles this queue has started (each costs provider reads).
    public var startedCount: Int { started.load(ordering: .relaxed) }
    /// How many have finished, successfully or not.
    public var finishedCount: Int { finished.load(ordering: .relaxed) }

    public init(executor: ReconcileExecutor, logger: Logger) {
        self.executor = executor
        self.logger = logger
        (keys, continuation) = AsyncStream.makeStream(of: KeyID.self)
    }

    /// Queues a reconcile of `key` unless one is queued or running; true when it queued one.
    @discardableResult
    public func request(_ key: KeyID) -> Bool {
        guard queued.withLock({ $0.insert(key).inserted }) else { return false }
        if case .terminated = continuation.yield(key) {
            _ = queued.withLock { $0.remove(key) }
            return false
        }
        return true
    }

    public func run() async {
        await withDiscardingTaskGroup { group in
            for await key in keys.cancelOnGracefulShutdown() {
                group.addTask { await self.reconcile(key) }
            }
        }
        continuation.finish()
    }

    func reconcile(_ key: KeyID) async {
        started.add(1, ordering: .relaxed)
        defer {
            _ = queued.withLock { $0.remove(key) }
            finished.add(1, ordering: .relaxed)
        }
        do {
            try await executor.reconcileKey(key)
        } catch {
            logger.warning("targeted reconcile failed", metadata: ["key": "\(key)", "error": "\(error)"])
        }
    }
}
