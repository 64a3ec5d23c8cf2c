/// Whether one part of the service talks to the real outside world or is simulated in-process.
public enum PartMode: String, Sendable, Hashable {
    case real
    case sandbox
}

/// The parts of the service that have a sandbox stand-in (`README.md`, sandbox mode).
public enum ServicePart: String, Sendable, Hashable, CaseIterable {
    /// Sign-in and repository permissions: GitHub OAuth, or the sandbox sign-in form.
    case github
    /// Donations: Stripe Checkout and webhooks, or the sandbox checkout page.
    case payments
    /// Compute keys: OpenRouter, or the in-process simulator.
    case provider

    /// The setting that puts just this part in sandbox while the others are real.
    public var sandboxFlag: String {
        switch self {
        case .github: return "OPUB_SANDBOX_GITHUB"
        case .payments: return "OPUB_SANDBOX_PAYMENTS"
        case .provider: return "OPUB_SANDBOX_PROVIDER"
        }
    }
}
