import Foundation

/// The public URL and the secrets the parts' modes and the production requirements are decided
/// from, as read and checked for shape (nil when unset). Its description says only which are set.
public struct ServiceCredentials: Sendable, Equatable {
    /// `OPUB_BASE_URL`, without a trailing slash.
    public var baseURL: String?
    /// `OPUB_SECRET_KEY`.
    public var secretKey: String?
    /// `GITHUB_CLIENT_ID`.
    public var githubClientID: String?
    /// `GITHUB_CLIENT_SECRET`.
    public var githubClientSecret: String?
    /// `STRIPE_SECRET_KEY`.
    public var stripeSecretKey: String?
    /// `STRIPE_WEBHOOK_SECRET`.
    public var stripeWebhookSecret: String?
    /// `OPUB_SANDBOX_STRIPE_WEBHOOK_SECRET` (not a real credential: it signs sandbox events).
    public var sandboxStripeWebhookSecret: String?
    /// `OPENROUTER_MANAGEMENT_KEY`.
    public var openRouterManagementKey: String?

    public init(
        baseURL: String? = nil, secretKey: String? = nil, githubClientID: String? = nil,
        githubClientSecret: String? = nil, stripeSecretKey: String? = nil, stripeWebhookSecret: String? = nil,
        sandboxStripeWebhookSecret: String? = nil, openRouterManagementKey: String? = nil
    ) {
        self.baseURL = baseURL
        self.secretKey = secretKey
        self.githubClientID = githubClientID
        self.githubClientSecret = githubClientSecret
        self.stripeSecretKey = stripeSecretKey
        self.stripeWebhookSecret = stripeWebhookSecret
        self.sandboxStripeWebhookSecret = sandboxStripeWebhookSecret
        self.openRouterManagementKey = openRouterManagementKey
    }

    /// The real credentials that are set, in the order refusals name them, each with its part.
    var realCredentials: [(name: String, part: ServicePart)] {
        let all: [(name: String, part: ServicePart, value: String?)] = [
            ("GITHUB_CLIENT_ID", .github, githubClientID), ("GITHUB_CLIENT_SECRET", .github, githubClientSecret),
            ("STRIPE_SECRET_KEY", .payments, stripeSecretKey),
            ("STRIPE_WEBHOOK_SECRET", .payments, stripeWebhookSecret),
            ("OPENROUTER_MANAGEMENT_KEY", .provider, openRouterManagementKey),
        ]
        return all.filter { $0.value != nil }.map { (name: $0.name, part: $0.part) }
    }
}

extension ServiceCredentials: CustomStringConvertible, CustomDebugStringConvertible {
    /// Which values are set, never a secret's value.
    public var description: String {
        func presence(_ value: String?) -> String { value == nil ? "unset" : "set" }
        let parts: [String] = [
            "base_url: " + (baseURL ?? "unset"), "secret_key: " + presence(secretKey),
            "github_client_id: " + presence(githubClientID), "github_client_secret: " + presence(githubClientSecret),
            "stripe_secret_key: " + presence(stripeSecretKey), "webhook_secret: " + presence(stripeWebhookSecret),
            "sandbox_webhook_secret: " + presence(sandboxStripeWebhookSecret),
            "openrouter_key: " + presence(openRouterManagementKey),
        ]
        return "ServiceCredentials(" + parts.joined(separator: ", ") + ")"
    }

    public var debugDescription: String { description }
}

/// What production needs before it starts: a public https URL (plain http only on loopback), the
/// server secret, and every real part's complete credentials. A sandboxed part needs none of its own.
public enum ProductionRequirements {
    /// Throws the first requirement `credentials` miss for `modes`, in this order: `OPUB_BASE_URL`,
    /// its scheme, `OPUB_SECRET_KEY`, then GitHub, Stripe and OpenRouter when real. Nothing outside
    /// production.
    public static func check(_ credentials: ServiceCredentials, modes: ServiceModes) throws(ConfigurationError) {
        guard modes.isProduction else { return }
        guard let baseURL = credentials.baseURL else {
            throw .missing(
                "OPUB_BASE_URL",
                "production needs the public URL people reach the server at, for example https://opub.example.org.")
        }
        if !isLoopback(baseURL), !baseURL.hasPrefix("https://") {
            throw .malformed(
                "OPUB_BASE_URL", "'\(baseURL)'",
                "production serves people over https:// (plain http is allowed only on loopback)")
        }
        guard credentials.secretKey != nil else {
            throw .missing(
                "OPUB_SECRET_KEY",
                "production needs at least 32 random characters (for example `openssl rand -hex 32`) "
                    + "to protect sessions and tokens."
            )
        }
        if modes.github == .real {
            guard credentials.githubClientID != nil else { throw .missing("GITHUB_CLIENT_ID", hint(.github)) }
            guard credentials.githubClientSecret != nil else { throw .missing("GITHUB_CLIENT_SECRET", hint(.github)) }
        }
        if modes.payments == .real {
            guard credentials.stripeSecretKey != nil else { throw .missing("STRIPE_SECRET_KEY", hint(.payments)) }
            guard credentials.stripeWebhookSecret != nil else {
                throw .missing("STRIPE_WEBHOOK_SECRET", hint(.payments))
            }
        }
        if modes.provider == .real {
            guard credentials.openRouterManagementKey != nil else {
                throw .missing("OPENROUTER_MANAGEMENT_KEY", hint(.provider))
            }
        }
    }

    static func isLoopback(_ url: String) -> Bool {
        guard let host = URLComponents(string: url)?.host else { return false }
        return host == "localhost" || host == "127.0.0.1" || host == "::1" || host == "[::1]"
    }

    static func hint(_ part: ServicePart) -> String {
        switch part {
        case .github:
            return
                "production sign-in needs a GitHub OAuth app (GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET)."
        case .payments:
            return
                "production donations need STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET."
        case .provider:
            return
                "production compute keys need OPENROUTER_MANAGEMENT_KEY."
        }
    }
}
