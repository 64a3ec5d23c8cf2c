import OpubCore
import Synchronization

/// A clock that moves only when told to, for tests of reset windows, expiry and usage lag.
public final class ManualTimeSource: TimeSource {
    private let current: Mutex<Timestamp>

    public init(_ start: Timestamp) { current = Mutex(start) }

    public func now() -> Timestamp { current.withLock { $0 } }

    public func set(_ time: Timestamp) { current.withLock { $0 = time } }

    public func advance(seconds: Int64) { current.withLock { $0 = $0.adding(seconds: seconds) } }
}
