import Logging
import ServiceLifecycle

/// Flushes the ``HeartbeatBuffer`` every second, and once more at shutdown.
struct HeartbeatFlusher: Service {
    let buffer: HeartbeatBuffer
    let logger: Logger
    var interval: Duration = .seconds(1)

    func run() async throws {
        await repeatUntilShutdown(every: interval) { await flush() }
        await flush()
    }

    func flush() async {
        do {
            try await buffer.flush()
        } catch {
            logger.warning("writing heartbeats failed; kept for the next try", metadata: ["error": "\(error)"])
        }
    }
}
