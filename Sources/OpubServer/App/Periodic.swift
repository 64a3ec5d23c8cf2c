import ServiceLifecycle

/// Runs `body`, then waits `interval`, again and again until the service group shuts down gracefully
/// (or the task is cancelled): the loop of opub's sweepers and flushers.
func repeatUntilShutdown(every interval: Duration, _ body: @escaping @Sendable () async -> Void) async {
    await repeatUntilShutdown(every: interval, retryingAfter: interval) {
        await body()
        return true
    }
}

/// The same loop for work that can fail: after a run that returns false it waits only `retry`.
func repeatUntilShutdown(
    every interval: Duration, retryingAfter retry: Duration, _ body: @escaping @Sendable () async -> Bool
) async {
    try? await cancelWhenGracefulShutdown {
        while !Task.isCancelled {
            let succeeded = await body()
            try await Task.sleep(for: succeeded ? interval : retry)
        }
    }
}
