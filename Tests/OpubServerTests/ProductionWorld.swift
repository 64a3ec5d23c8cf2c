import HummingbirdTesting
import OpubCore
import OpubServer
import OpubServerStandIns
import OpubStore
import OpubTestSupport

/// The stand-ins running, and an app in production mode against them.
struct ProductionWorld: Sendable {
    let app: AppWorld
    let github: GitHubStandIn
    let stripe: StripeStandIn
}

/// Starts the GitHub and Stripe stand-ins on loopback, builds a production-mode app against them
/// (`.live` so that the Stripe stand-in can deliver webhooks to it), and runs `body`.
func withProductionWorld<R: Sendable>(
    _ engine: TestEngine, clock: any TimeSource = SystemTimeSource(), extra: [String: String] = [:],
    _ body: @Sendable (ProductionWorld) async throws -> R
) async throws -> R {
    let github = GitHubStandIn()
    let stripe = StripeStandIn()
    return try await withStandIn(github.router()) { githubURL in
        try await withStandIn(stripe.router()) { stripeURL in
            try await withTestStore(engine, clock: clock) { store, _ in
                let configuration = try await productionConfiguration(
                    github: githubURL, githubStandIn: github, stripe: stripeURL, stripeStandIn: stripe, extra: extra)
                return try await withAppWorld(configuration, store: store, setup: .live, clock: clock) { app in
                    if let port = app.client.port {
                        await stripe.setWebhookURL("http://127.0.0.1:\(port)/webhooks/stripe")
                    }
                    return try await body(ProductionWorld(app: app, github: github, stripe: stripe))
                }
            }
        }
    }
}
