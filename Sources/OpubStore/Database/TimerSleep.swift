import NIOCore
import NIOPosix

/// A sleep whose timer goes away when it is cancelled.
///
/// `Task.sleep` on Linux keeps its timer (a few hundred bytes) until the original deadline even after
/// the sleeping task was cancelled and has finished. A watchdog that sleeps for seconds beside every
/// database operation and is cancelled a millisecond later therefore holds operations-per-second ×
/// seconds of such timers (measured: 32,000 cancelled 20-second sleeps held 25 MiB until they were
/// due). This sleep is an event-loop timer that cancellation removes at once.
enum TimerSleep {
    /// Returns at `deadline`, or throws `CancellationError` as soon as the task is cancelled.
    static func sleep(until deadline: ContinuousClock.Instant) async throws {
        try Task.checkCancellation()
        let wait = ContinuousClock.now.duration(to: deadline)
        guard wait > .zero else { return }
        let (seconds, attoseconds) = wait.components
        let nanoseconds = seconds * 1_000_000_000 + attoseconds / 1_000_000_000
        let scheduled = MultiThreadedEventLoopGroup.singleton.any().scheduleTask(in: .nanoseconds(nanoseconds)) {}
        try await withTaskCancellationHandler {
            do {
                try await scheduled.futureResult.get()
            } catch {
                throw CancellationError()
            }
        } onCancel: {
            scheduled.cancel()
        }
    }
}
