import AsyncHTTPClient
import Hummingbird
import Logging
import NIOCore
import OpenRouter
import OpubCore
import OpubStore
import ServiceLifecycle

/// The composition root: from a configuration and an open store, the real (or sandbox) clients,
/// the dependencies, the route modules and the background services of `opub-server serve`.
///
/// A new feature adds its ``RouteModule`` to ``modules`` and any long-running work (a `Service`
/// from swift-service-lifecycle) to ``services``; both get ``dependencies``.
public struct ServerComposition: Sendable {
    public let dependencies: AppDependencies
    /// The outbound client of the services that call out (alert webhooks); nil runs without them.
    let httpClient: HTTPClient?

    public init(dependencies: AppDependencies, httpClient: HTTPClient? = nil) {
        self.dependencies = dependencies
        self.httpClient = httpClient
    }

    /// Chooses each part's client by its mode: real GitHub/Stripe over `httpClient`, or the sandbox.
    public static func make(
        configuration: ServerConfiguration, store: Store, secretKey: String, httpClient: HTTPClient, logger: Logger,
        clock: any TimeSource = SystemTimeSource(), random: any RandomSource = SystemRandomSource(),
        rateLimits: RateLimits? = nil
    ) -> ServerComposition {
        let urls = PublicURL(configured: configuration.baseURL)
        let github: any GitHubClient
        if configuration.github.mode == .real, let id = configuration.github.clientID,
            let secret = configuration.github.clientSecret
        {
            github = HTTPGitHubClient(
                client: httpClient, clientID: id, clientSecret: secret, apiURL: configuration.github.apiURL,
                webURL: configuration.github.webURL)
        } else {
            github = SandboxGitHubClient()
        }
        let stripe: any StripeClient
        if configuration.payments.mode == .real, let key = configuration.payments.secretKey {
            stripe = HTTPStripeClient(client: httpClient, secretKey: key, apiURL: configuration.payments.apiURL)
        } else {
            stripe = SandboxStripeClient(urls: urls, random: random)
        }
        var provider: (any ProviderKeys)?
        var sandboxProvider: SandboxProvider?
        if configuration.provider.mode == .real, let key = configuration.provider.managementKey {
            provider = OpenRouterClient(
                apiKey: key,
                configuration: .init(
                    baseURL: configuration.provider.baseURL, workspaceID: configuration.provider.workspaceID),
                httpClient: httpClient)
        } else if configuration.provider.mode == .sandbox {
            let token =
                configuration.provider.broadcastToken
                ?? ServerSecrets(masterSecret: secretKey).derivedSandboxBroadcastToken
            let sandbox = SandboxProvider(urls: urls, httpClient: httpClient, broadcastToken: token)
            sandboxProvider = sandbox
            provider = sandbox
        }
        let metrics = ServerMetrics()
        return ServerComposition(
            dependencies: AppDependencies(
                configuration: configuration, store: store, secretKey: secretKey, github: github, stripe: stripe,
                clock: clock, random: random, rateLimits: rateLimits, metrics: metrics, urls: urls, logger: logger,
                provider: provider.map { CountingProviderKeys($0, metrics: metrics.factory) },
                sandboxProvider: sandboxProvider), httpClient: httpClient)
    }

    public var webhookProcessor: StripeWebhookProcessor {
        StripeWebhookProcessor(
            store: dependencies.store, secret: dependencies.webhookSecret, clock: dependencies.clock,
            feeBasisPoints: dependencies.configuration.feeBasisPoints, logger: dependencies.logger)
    }

    /// Every route module `serve` registers. Sandbox-only modules exist only in sandbox.
    public var modules: [any RouteModule] {
        let configuration = dependencies.configuration
        var modules: [any RouteModule] = [
            OperationsRoutes(dependencies: dependencies),
            DownloadRoutes(dependencies: dependencies),
            GitHubSignInRoutes(dependencies: dependencies),
            SessionRoutes(dependencies: dependencies),
            ProjectRoutes(dependencies: dependencies),
            DonationRoutes(dependencies: dependencies),
            KeyRoutes(dependencies: dependencies),
            AlertRoutes(dependencies: dependencies),
            CLIAPIRoutes(dependencies: dependencies),
            PublicDataRoutes(dependencies: dependencies),
            WebhookRoutes(processor: webhookProcessor),
            TraceIngestRoutes(dependencies: dependencies),
            WebRoutes(dependencies: dependencies),
            AssetRoutes(),
        ]
        if configuration.github.mode == .sandbox {
            modules.append(SandboxSignInRoutes(dependencies: dependencies))
        }
        if configuration.payments.mode == .sandbox {
            modules.append(SandboxCheckoutRoutes(dependencies: dependencies, processor: webhookProcessor))
        }
        return modules
    }

    /// Background services run beside the HTTP server, stopped gracefully on SIGTERM/SIGINT.
    public var services: [any Service] {
        var services: [any Service] = [
            SessionSweeper(store: dependencies.store, clock: dependencies.clock, logger: dependencies.logger),
            AgentSessionSweeper(
                store: dependencies.store, clock: dependencies.clock, logger: dependencies.logger,
                metrics: dependencies.metrics.factory, heartbeats: dependencies.heartbeats),
            HeartbeatFlusher(buffer: dependencies.heartbeats, logger: dependencies.logger),
            MaintainerReverifier(dependencies: dependencies),
            MemoryTrimmer(),
        ]
        if let httpClient {
            services.append(
                AlertDeliverer(
                    store: dependencies.store, secrets: dependencies.secrets, httpClient: httpClient,
                    logger: dependencies.logger))
        }
        if let broadcaster = dependencies.sandboxProvider?.simulator.broadcaster {
            services.append(broadcaster)
        }
        if let provider = dependencies.provider {
            services.append(
                RecommendedModelCheck(
                    models: dependencies.recommendedModels, provider: provider, logger: dependencies.logger))
        }
        if let queue = dependencies.keyReconciles {
            services.append(queue)
        }
        if let executor = dependencies.reconcileExecutor {
            services.append(
                Reconciler(
                    executor: executor, store: dependencies.store,
                    interval: .seconds(dependencies.configuration.provider.reconcileIntervalSeconds),
                    logger: executor.logger, health: dependencies.providerHealth))
        }
        return services
    }

    /// The application `serve` runs.
    public func application(
        onServerRunning: @escaping @Sendable (any Channel) async -> Void
    ) -> some ApplicationProtocol {
        OpubApplication.application(
            dependencies: dependencies, modules: modules, services: services, onServerRunning: onServerRunning)
    }
}
