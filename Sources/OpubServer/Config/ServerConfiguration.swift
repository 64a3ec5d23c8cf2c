import Logging
import OpubCore
import OpubStore

/// Everything `opub-server serve` needs, validated. Built by ``ConfigurationLoader`` from the
/// environment, an optional JSON file and defaults; see the README's configuration table.
public struct ServerConfiguration: Sendable {
    /// The public base URL (`OPUB_BASE_URL`), without a trailing slash. Nil in sandbox mode when
    /// unset: the server then uses the address it listens on.
    public var baseURL: String?
    public var bind: BindAddress
    public var database: DatabaseURL
    /// Where sandbox mode keeps its generated secret (`OPUB_DATA_DIR`; default: the SQLite file's
    /// folder, or the working directory).
    public var dataDirectory: String
    /// `OPUB_SECRET_KEY`; nil only in full sandbox mode, where the server generates one into the data dir.
    public var secretKey: String?
    public var github: GitHubSettings
    public var payments: PaymentSettings
    public var provider: OpenRouterSettings
    public var agents: AgentSettings
    public var donationLimits: DonationLimits
    /// `OPUB_DONATION_HOLD` (default 0): how long a completed donation is held before new keys can
    /// reserve it (it counts in the balance at once; `money.md`, "Held donations").
    public var donationHold: DonationHold = .none
    /// The platform fee in basis points (`OPUB_FEE_PERCENT` × 100; default 0).
    public var feeBasisPoints: Int
    /// `OPUB_ALERT_SPIKE_PERCENT` × 100 (default 25 %): one reconcile interval's spend above this share
    /// of a key's limit is a spike alert.
    public var alertSpikeBasisPoints: Int = KeyAlertRules.defaultSpikeBasisPoints
    public var logLevel: Logger.Level
    /// Take the client address from `X-Forwarded-For` (only behind trusted proxies).
    public var trustForwardedFor: Bool
    /// `OPUB_TRUSTED_PROXIES`: how many of the operator's proxies append to `X-Forwarded-For`; the
    /// client is the entry that many hops from the right (default 1).
    public var trustedProxies: Int = 1
    /// `OPUB_ALLOW_UNSAFE_MIX=true`: start although a sandbox part can reach a real one (staging only).
    public var allowsUnsafeMix: Bool = false
    /// The unsafe mix this configuration runs with (nil when none), said loudly at start-up.
    public var unsafeMix: String? = nil
    /// `OPUB_CLI_DIST_DIR`: the prebuilt CLI to hand out, one folder per platform (see
    /// ``CLIDistribution``); nil: the `opub` and `opub-mcp` beside the running server.
    public var cliDistributionDirectory: String? = nil

    /// True when every part is simulated.
    public var isFullSandbox: Bool {
        github.mode == .sandbox && payments.mode == .sandbox && provider.mode == .sandbox
    }

    /// The parts running in sandbox.
    public var sandboxParts: [ServicePart] {
        var parts: [ServicePart] = []
        if github.mode == .sandbox { parts.append(.github) }
        if payments.mode == .sandbox { parts.append(.payments) }
        if provider.mode == .sandbox { parts.append(.provider) }
        return parts
    }

    /// Session cookies are `Secure` whenever sign-in is real or the public URL is https; a local
    /// sandbox on plain http keeps them usable.
    public var secureCookies: Bool { github.mode == .real || baseURL?.hasPrefix("https://") == true }
}

/// GitHub: the OAuth client and where GitHub lives (GitHub Enterprise, or a stand-in in tests).
public struct GitHubSettings: Sendable {
    public var mode: PartMode
    public var clientID: String?
    public var clientSecret: String?
    /// `GITHUB_API_URL`, default `https://api.github.com`.
    public var apiURL: String
    /// `GITHUB_WEB_URL`, default `https://github.com` (authorize and token endpoints).
    public var webURL: String
}

/// Stripe: the secret key, the webhook signing secret and the API's location.
public struct PaymentSettings: Sendable {
    public var mode: PartMode
    public var secretKey: String?
    /// `STRIPE_WEBHOOK_SECRET` when real; in sandbox `OPUB_SANDBOX_STRIPE_WEBHOOK_SECRET`, else derived
    /// from the server secret.
    public var webhookSecret: String?
    /// `STRIPE_API_URL`, default `https://api.stripe.com`.
    public var apiURL: String
}

/// The provider (OpenRouter). Validated here; the integration lives with the compute keys.
public struct OpenRouterSettings: Sendable {
    public var mode: PartMode
    public var managementKey: String?
    public var baseURL: String
    public var allowedProviders: [String]
    public var reconcileIntervalSeconds: Int
    public var keyMinimumLimit: Money
    /// `OPENROUTER_WORKSPACE_ID`: the provider workspace opub's keys are created, listed and reported in,
    /// so the reconciler never sees the operator's other keys. Nil: the account's default workspace.
    public var workspaceID: String? = nil
    /// `OPUB_BROADCAST_TOKEN`: the secret OpenRouter Broadcast sends (as `Authorization: Bearer …`) to
    /// `/ingest/openrouter/traces`. Nil: trace ingest is off, except in sandbox, where the in-process
    /// simulator broadcasts to this server with a token derived from the server secret.
    public var broadcastToken: String? = nil
}

/// What the CLI is told about running agents on a key.
public struct AgentSettings: Sendable {
    /// Surface → the model the CLI uses unless `--model` says otherwise (`OPUB_RECOMMENDED_MODELS`).
    public var recommendedModels: [String: String]
    /// Sustained CLI requests per second per client address (`OPUB_CLI_RATE_LIMIT`, default 20, with
    /// bursts of 30 × that); 0 turns the limit off (a load test, or a proxy that limits instead).
    public var cliRequestsPerSecond: Int

    /// How often the CLI heartbeats a running session. A session silent for three intervals (the
    /// linked-spend grace, ``LinkedSpend/heartbeatGraceSeconds``) is ended by the sweeper.
    public static let heartbeatIntervalSeconds = Int(LinkedSpend.heartbeatGraceSeconds / 3)

    /// Models the provider (and the sandbox simulator) serves, one per surface's wire format.
    public static let defaultRecommendedModels: [String: String] = [
        "claude": "anthropic/claude-sonnet-4.6", "codex": "openai/gpt-5.3-codex", "copilot": "openai/gpt-5.4",
        "vibe": "mistralai/devstral-2512", "opencode": "qwen/qwen3-coder", "continue": "anthropic/claude-sonnet-4.6",
    ]
}

/// The smallest and largest donation a person may make.
public struct DonationLimits: Sendable, Hashable {
    public var minimum: Money
    public var maximum: Money

    public init(minimum: Money, maximum: Money) {
        self.minimum = minimum
        self.maximum = maximum
    }

    public static let `default` = DonationLimits(minimum: Money(dollars: 1), maximum: Money(dollars: 10_000))
}
