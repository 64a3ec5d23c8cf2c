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

    public static func unsafeMix(_ modes: [ServicePart: PartMode]) -> UnsafeMix? {
        let github = modes[.github] ?? .sandbox
        let payments = modes[.payments] ?? .sandbox
        let provider = modes[.provider] ?? .sandbox
        if provider == .real, github == .sandbox {
            return UnsafeMix(
                setting: ServicePart.github.sandboxFlag,
                problem:
                    "OPUB_SANDBOX_GITHUB=true next to a real provider (OPENROUTER_MANAGEMENT_KEY) lets anyone sign in "
                    + "as any maintainer and mint real OpenRouter keys on your credit; configure the GitHub OAuth "
                    + "app, or \(override)")
        }
        if provider == .real, payments == .sandbox {
            return UnsafeMix(
                setting: ServicePart.payments.sandboxFlag,
                problem:
                    "OPUB_SANDBOX_PAYMENTS=true next to a real provider (OPENROUTER_MANAGEMENT_KEY) lets anyone pay "
                    + "with the sandbox checkout and mint real OpenRouter keys on your credit; configure Stripe, "
                    + "or \(override)")
        }
        if payments == .real, github == .sandbox {
            return UnsafeMix(
                setting: ServicePart.github.sandboxFlag,
                problem:
                    "OPUB_SANDBOX_GITHUB=true next to real payments (STRIPE_SECRET_KEY) lets anyone sign in as the "
                    + "maintainer of a project real donors funded; configure the GitHub OAuth app, or \(override)")
        }
        return nil
    }
}
