/// Which mixes of sandbox and real parts opub refuses to start with: those where a sandbox part can
/// reach a real one, so that anyone could turn pretend money or a pretend identity into real keys on
/// the operator's credit.
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
public enum ServiceModes {
    public struct UnsafeMix: Sendable, Equatable {
        /// The setting that makes the mix (reported as the configuration error's setting).
        public let setting: String
        /// One line naming the settings and the risk.
        public let problem: String
    }

    static let override = "set OPUB_ALLOW_UNSAFE_MIX=true only on a staging server, never with real money."

    /// One refused mix: when `applies`, the sandbox part named by `setting` can reach `reaches`.
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

    public static func unsafeMix(_ modes: [ServicePart: PartMode]) -> UnsafeMix? {
        let github = modes[.github] ?? .sandbox
        let payments = modes[.payments] ?? .sandbox
        let provider = modes[.provider] ?? .sandbox
        guard let rule = rules.first(where: { $0.applies(github, payments, provider) }) else { return nil }
        let setting = rule.sandboxed.sandboxFlag
        return UnsafeMix(
            setting: setting,
            problem: "\(setting)=true next to \(rule.reaches) lets anyone \(rule.risk); \(rule.fix), or \(override)")
    }
}
