import Logging
import OpubCore
import OpubStore

/// Everything the routes need, injected through one value: the configuration, the store, the
/// outside world behind protocols (GitHub, Stripe), and the clock and randomness. Built by
/// ``ServerComposition`` for `serve`, and by tests with stand-ins.
public struct AppDependencies: Sendable {
    public let configuration: ServerConfiguration
    public let store: Store
    public let clock: any TimeSource
    public let random: any RandomSource
    public let github: any GitHubClient
    public let stripe: any StripeClient
    public let secrets: ServerSecrets
    public let sessions: SessionService
    public let rateLimits: RateLimits
    public let metrics: ServerMetrics
    public let urls: PublicURL
    public let logger: Logger
    /// The secret Stripe webhooks are verified with: `STRIPE_WEBHOOK_SECRET`, or in sandbox
    /// `OPUB_SANDBOX_STRIPE_WEBHOOK_SECRET` or one derived from the server secret.
    public let webhookSecret: String
    /// The provider's key-management API: OpenRouter (or a gateway) with the management key, or the
    /// in-process simulator in sandbox mode; nil when the provider is not configured.
    public let provider: (any ProviderKeys)?
    /// The in-process OpenRouter simulator served under `/sandbox/openrouter/api/v1` (sandbox only).
    public let sandboxProvider: SandboxProvider?
    /// The reconciler's executor over ``provider`` (nil without a provider): the background cycle and
    /// the targeted reconciles of ``keyReconciles`` share it.
    public let reconcileExecutor: ReconcileExecutor?
    /// The token `/ingest/openrouter/traces` requires: `OPUB_BROADCAST_TOKEN`, or in sandbox (provider
    /// simulated) one derived from the server secret; nil turns trace ingest off.
    public let broadcastToken: String?
    /// Provider traces waiting for their group-committed write.
    let traceIngest: TraceIngestQueue
    /// Targeted reconciles requested when a session ends.
    public let keyReconciles: KeyReconcileQueue?
    /// The CLI routes' short-lived memory of keys and sessions.
    public let cliCache: CLIAuthCache
    /// Heartbeats waiting for their once-a-second write.
    public let heartbeats: HeartbeatBuffer
    /// How this replica's last reconcile cycle went, for `/readyz`.
    public let providerHealth = ProviderHealth()
    /// The prebuilt CLI this server hands out (`/downloads/opub/…`).
    public let cliDistribution: CLIDistribution
    /// The recommended model per surface, less those the provider does not list.
    public let recommendedModels: RecommendedModels

    public init(
        configuration: ServerConfiguration, store: Store, secretKey: String, github: any GitHubClient,
        stripe: any StripeClient, clock: any TimeSource = SystemTimeSource(),
        random: any RandomSource = SystemRandomSource(), rateLimits: RateLimits? = nil,
        metrics: ServerMetrics = ServerMetrics(), urls: PublicURL? = nil, logger: Logger,
        provider: (any ProviderKeys)? = nil, sandboxProvider: SandboxProvider? = nil
    ) {
        self.provider = provider
        self.sandboxProvider = sandboxProvider
        self.configuration = configuration
        self.store = store
        self.clock = clock
        self.random = random
        self.github = github
        self.stripe = stripe
        let secrets = ServerSecrets(masterSecret: secretKey)
        self.secrets = secrets
        self.sessions = SessionService(
            store: store, secrets: secrets, clock: clock, random: random,
            secureCookies: configuration.secureCookies)
        self.rateLimits =
            rateLimits
            ?? RateLimits(
                limiter: RateLimiter(clock: clock),
                cli: RateLimitRule(cliRequestsPerSecond: configuration.agents.cliRequestsPerSecond))
        self.metrics = metrics
        self.urls = urls ?? PublicURL(configured: configuration.baseURL)
        self.logger = logger
        self.webhookSecret = configuration.payments.webhookSecret ?? secrets.derivedSandboxWebhookSecret
        self.broadcastToken =
            configuration.provider.broadcastToken
            ?? (configuration.provider.mode == .sandbox ? secrets.derivedSandboxBroadcastToken : nil)
        self.traceIngest = TraceIngestQueue(store: store)
        self.cliCache = CLIAuthCache()
        self.heartbeats = HeartbeatBuffer(store: store)
        self.cliDistribution = CLIDistribution(directory: configuration.cliDistributionDirectory)
        self.recommendedModels = RecommendedModels(configured: configuration.agents.recommendedModels)
        if let provider {
            var reconcileLogger = logger
            reconcileLogger[metadataKey: "service"] = "reconciler"
            let executor = ReconcileExecutor(
                store: store, provider: provider, logger: reconcileLogger, metrics: metrics.factory,
                comparesTraces: broadcastToken != nil, spikeBasisPoints: configuration.alertSpikeBasisPoints)
            self.reconcileExecutor = executor
            self.keyReconciles = KeyReconcileQueue(executor: executor, logger: reconcileLogger)
        } else {
            self.reconcileExecutor = nil
            self.keyReconciles = nil
        }
    }
}
