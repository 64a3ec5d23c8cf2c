/// Waits between retries. Injected so that tests can observe the waits without spending real time.
public protocol RetrySleeper: Sendable {
    func sleep(for duration: Duration) async throws
}

/// Sleeps on the task's clock; honours cancellation.
public struct TaskSleeper: RetrySleeper {
    public init() {}

    public func sleep(for duration: Duration) async throws {
        try await Task.sleep(for: duration)
    }
}
