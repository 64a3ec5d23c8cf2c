import Logging
import OpubCore
import OpubStore
import ServiceLifecycle

/// Deletes idle sessions (7 days without a request) and abandoned sign-in attempts, hourly. A
/// session past its idle expiry is already refused when used; this only keeps the table small.
struct SessionSweeper: Service {
    let store: Store
    let clock: any TimeSource
    let logger: Logger
    var interval: Duration = .seconds(3600)

    func run() async throws {
        await repeatUntilShutdown(every: interval) { await sweep() }
    }

    func sweep() async {
        let now = clock.now()
        do {
            let removed = try await store.sessions.deleteIdle(
                before: now.adding(seconds: -SessionService.idleTimeoutSeconds))
            try await store.oauthAttempts.deleteStale(
                before: now.adding(seconds: -GitHubSignInRoutes.attemptLifetimeSeconds))
            if removed > 0 { logger.info("removed idle sessions", metadata: ["count": "\(removed)"]) }
        } catch {
            logger.warning("session sweep failed", metadata: ["error": "\(error)"])
        }
    }
}
