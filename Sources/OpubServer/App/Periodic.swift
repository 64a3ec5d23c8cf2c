import ServiceLifecycle

/// Runs `body`, then waits `interval`, again and again until the service group shuts down gracefully
/// (or the task is cancelled): the loop of opub's sweepers and flushers.
func repeatUntilShutdown(every interval: Duration, _ body: @escaping @Sendable () async -> Void) async {
    try? await cancelWhenGracefulShutdown {
        while !Task.isCancelled {
            await body()
            try await Task.sleep(for: interval)
        }
    }
}
