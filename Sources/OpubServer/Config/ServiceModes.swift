/// Which part of the service is real and which is sandbox, decided by ``resolve(_:)`` from the
/// settings as read: a pure function, so that every allowed mix and every refusal can be tested
/// without starting a server.
///
/// Mode: with no real credential set (no `GITHUB_CLIENT_*`, `STRIPE_*_KEY`/`SECRET`,
/// `OPENROUTER_MANAGEMENT_KEY`) every part runs in **sandbox**. As soon as one is set — or
/// `OPUB_MODE=production` — the server is in **production** and every part needs its complete
/// settings (``ProductionRequirements``), unless that part is explicitly sandboxed with
/// `OPUB_SANDBOX_GITHUB`, `OPUB_SANDBOX_PAYMENTS` or `OPUB_SANDBOX_PROVIDER`. `OPUB_MODE=sandbox`
/// forces full sandbox.
///
/// Refused mixes are those where a sandbox part can reach a real one, so that anyone could turn
/// pretend money or a pretend identity into real keys on the operator's credit:
///
/// - sandbox sign-in next to a real provider: anyone signs in as any maintainer and mints real keys;
/// - sandbox payments next to a real provider: anyone presses the sandbox Pay button and mints real
///   keys from the pretend donation;
/// - sandbox sign-in next to real payments: anyone signs in as a real maintainer of a project real
///   donors funded.
///
/// A sandbox provider next to real sign-in and payments is allowed: it cannot spend anything real.
/// `OPUB_ALLOW_UNSAFE_MIX=true` starts anyway (a staging server against a test provider account), said
/// loudly at start-up.
public struct ServiceModes: Sendable, Equatable {
    public var github: PartMode
    public var payments: PartMode
    public var provider: PartMode
    /// A real credential is set, or `OPUB_MODE=production`: the production requirements apply.
    public var isProduction: Bool
    /// The refused mix this runs with anyway because `OPUB_ALLOW_UNSAFE_MIX=true`; nil when none.
    public var unsafeMix: UnsafeMix?

    public init(
        github: PartMode, payments: PartMode, provider: PartMode, isProduction: Bool, unsafeMix: UnsafeMix? = nil
    ) {
        self.github = github
        self.payments = payments
        self.provider = provider
        self.isProduction = isProduction
        self.unsafeMix = unsafeMix
    }

    public subscript(part: ServicePart) -> PartMode {
        switch part {
        case .github: return github
        case .payments: return payments
        case .provider: return provider
        }
    }

    /// `OPUB_MODE`.
    public enum Requested: String, Sendable, Hashable, CaseIterable {
        /// Production as soon as one real credential is set, else full sandbox (the default).
        case auto
        /// Full sandbox; a real credential next to it is refused.
        case sandbox
        /// Production even with no real credential set (the requirements then name what is missing).
        case production
    }

    /// What the modes are decided from: the settings as read and checked for shape.
    public struct Settings: Sendable, Equatable {
        /// `OPUB_MODE` (default auto).
        public var requested: Requested
        /// The parts whose `OPUB_SANDBOX_*` flag is true.
        public var sandboxed: Set<ServicePart>
        /// `OPUB_ALLOW_UNSAFE_MIX`.
        public var allowUnsafeMix: Bool
        public var credentials: ServiceCredentials

        public init(
            requested: Requested = .auto, sandboxed: Set<ServicePart> = [], allowUnsafeMix: Bool = false,
            credentials: ServiceCredentials = ServiceCredentials()
        ) {
            self.requested = requested
            self.sandboxed = sandboxed
            self.allowUnsafeMix = allowUnsafeMix
            self.credentials = credentials
        }
    }

    public struct UnsafeMix: Sendable, Equatable {
        /// The setting that makes the mix (reported as the configuration error's setting).
        public let setting: String
        /// One line naming the settings and the risk.
        public let problem: String
    }

    /// Decides each part's mode, or throws the first refusal, in this order: `OPUB_MODE=sandbox` next
    /// to a real credential; a part's sandbox flag next to that part's real credential; the production
    /// requirements (``ProductionRequirements/check(_:modes:)``); a mix where a sandbox part can reach
    /// a real one (unless `OPUB_ALLOW_UNSAFE_MIX`); `OPUB_SANDBOX_STRIPE_WEBHOOK_SECRET` next to real
    /// payments.
    public static func resolve(_ settings: Settings) throws(ConfigurationError) -> ServiceModes {
        let realCredentials = settings.credentials.realCredentials
        let production: Bool
        switch settings.requested {
        case .sandbox:
            if let credential = realCredentials.first {
                throw ConfigurationError(
                    setting: "OPUB_MODE",
                    problem:
                        "OPUB_MODE=sandbox but \(credential.name) is set; unset the real credentials or choose "
                        + "OPUB_MODE=production."
                )
            }
            production = false
        case .production: production = true
        case .auto: production = !realCredentials.isEmpty
        }

        func mode(_ part: ServicePart) throws(ConfigurationError) -> PartMode {
            guard production else { return .sandbox }
            guard settings.sandboxed.contains(part) else { return .real }
            if let credential = realCredentials.first(where: { $0.part == part }) {
                throw ConfigurationError(
                    setting: part.sandboxFlag,
                    problem:
                        "\(part.sandboxFlag)=true but \(credential.name) is set; choose the sandbox or the real "
                        + "\(part.rawValue) part, not both."
                )
            }
            return .sandbox
        }
        let github = try mode(.github)
        let payments = try mode(.payments)
        let provider = try mode(.provider)
        var modes = ServiceModes(github: github, payments: payments, provider: provider, isProduction: production)

        try ProductionRequirements.check(settings.credentials, modes: modes)

        if let mix = unsafeMix(in: modes) {
            guard settings.allowUnsafeMix else { throw ConfigurationError(setting: mix.setting, problem: mix.problem) }
            modes.unsafeMix = mix
        }
        if settings.credentials.sandboxStripeWebhookSecret != nil, modes.payments == .real {
            throw ConfigurationError(
                setting: "OPUB_SANDBOX_STRIPE_WEBHOOK_SECRET",
                problem:
                    "OPUB_SANDBOX_STRIPE_WEBHOOK_SECRET is set but payments are real; remove it (real "
                    + "webhooks use STRIPE_WEBHOOK_SECRET)."
            )
        }
        return modes
    }

    static let override = "set OPUB_ALLOW_UNSAFE_MIX=true only on a staging server, never with real money."

    /// One refused mix: when `applies`, the sandbox part named by `sandboxed` can reach `reaches`.
    struct Rule: Sendable {
        let applies: @Sendable (_ github: PartMode, _ payments: PartMode, _ provider: PartMode) -> Bool
        let sandboxed: ServicePart
        let reaches: String
        let risk: String
        let fix: String
    }

    static let rules: [Rule] = [
        Rule(
            applies: { github, _, provider in provider == .real && github == .sandbox }, sandboxed: .github,
            reaches: "a real provider (OPENROUTER_MANAGEMENT_KEY)",
            risk: "sign in as any maintainer and mint real OpenRouter keys on your credit",
            fix: "configure the GitHub OAuth app"),
        Rule(
            applies: { _, payments, provider in provider == .real && payments == .sandbox }, sandboxed: .payments,
            reaches: "a real provider (OPENROUTER_MANAGEMENT_KEY)",
            risk: "pay with the sandbox checkout and mint real OpenRouter keys on your credit",
            fix: "configure Stripe"),
        Rule(
            applies: { github, payments, _ in payments == .real && github == .sandbox }, sandboxed: .github,
            reaches: "real payments (STRIPE_SECRET_KEY)",
            risk: "sign in as the maintainer of a project real donors funded", fix: "configure the GitHub OAuth app"),
    ]

    /// The first refused mix these modes make, nil when none.
    static func unsafeMix(in modes: ServiceModes) -> UnsafeMix? {
        guard let rule = rules.first(where: { $0.applies(modes.github, modes.payments, modes.provider) }) else {
            return nil
        }
        let setting = rule.sandboxed.sandboxFlag
        return UnsafeMix(
            setting: setting,
            problem: "\(setting)=true next to \(rule.reaches) lets anyone \(rule.risk); \(rule.fix), or \(override)")
    }
}
