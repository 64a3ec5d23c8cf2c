import OpubServer
import Testing

@Suite("Service modes: which parts are real and which mixes are refused, decided as a pure function")
struct ServiceModesTests {
    /// Every production credential, well formed.
    static let complete = ServiceCredentials(
        baseURL: "https://opub.example.org", secretKey: String(repeating: "k", count: 40), githubClientID: "Iv1.abc",
        githubClientSecret: "ghsecret", stripeSecretKey: "sk_live_abc", stripeWebhookSecret: "whsec_abc",
        openRouterManagementKey: "sk-or-v1-mgmt")

    /// Complete production settings with the given parts sandboxed by flag and their real credentials removed.
    static func production(sandboxed parts: Set<ServicePart>, allowUnsafeMix: Bool = false) -> ServiceModes.Settings {
        var credentials = complete
        for part in parts {
            switch part {
            case .github:
                credentials.githubClientID = nil
                credentials.githubClientSecret = nil
            case .payments:
                credentials.stripeSecretKey = nil
                credentials.stripeWebhookSecret = nil
            case .provider: credentials.openRouterManagementKey = nil
            }
        }
        return ServiceModes.Settings(
            requested: .production, sandboxed: parts, allowUnsafeMix: allowUnsafeMix, credentials: credentials)
    }

    /// `credentials` with the real credential `name` set.
    static func setting(_ name: String, in credentials: ServiceCredentials = ServiceCredentials()) -> ServiceCredentials
    {
        var credentials = credentials
        switch name {
        case "GITHUB_CLIENT_ID": credentials.githubClientID = "Iv1.abc"
        case "GITHUB_CLIENT_SECRET": credentials.githubClientSecret = "ghsecret"
        case "STRIPE_SECRET_KEY": credentials.stripeSecretKey = "sk_live_abc"
        case "STRIPE_WEBHOOK_SECRET": credentials.stripeWebhookSecret = "whsec_abc"
        default: credentials.openRouterManagementKey = "sk-or-v1-mgmt"
        }
        return credentials
    }

    static let realCredentialNames = [
        "GITHUB_CLIENT_ID", "GITHUB_CLIENT_SECRET", "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET",
        "OPENROUTER_MANAGEMENT_KEY",
    ]

    static func part(of credential: String) -> ServicePart {
        if credential.hasPrefix("GITHUB_") { return .github }
        if credential.hasPrefix("STRIPE_") { return .payments }
        return .provider
    }

    func refusal(_ settings: ServiceModes.Settings) -> ConfigurationError? {
        do {
            _ = try ServiceModes.resolve(settings)
            return nil
        } catch {
            return error
        }
    }

    static let fullSandbox = ServiceModes(github: .sandbox, payments: .sandbox, provider: .sandbox, isProduction: false)

    @Test("no real credential: every part is sandbox and nothing is required")
    func nothingSet() throws {
        #expect(try ServiceModes.resolve(ServiceModes.Settings()) == Self.fullSandbox)
        let unrelated = ServiceCredentials(
            baseURL: "http://opub.example.org", secretKey: String(repeating: "s", count: 32),
            sandboxStripeWebhookSecret: "whsec_test")
        #expect(try ServiceModes.resolve(ServiceModes.Settings(credentials: unrelated)) == Self.fullSandbox)
    }

    @Test("OPUB_MODE=sandbox is full sandbox, whatever the part flags say")
    func forcedSandbox() throws {
        let settings = ServiceModes.Settings(
            requested: .sandbox, sandboxed: Set(ServicePart.allCases), allowUnsafeMix: true)
        #expect(try ServiceModes.resolve(settings) == Self.fullSandbox)
        // Without production, sandbox flags are not checked against anything.
        #expect(try ServiceModes.resolve(ServiceModes.Settings(sandboxed: [.github])) == Self.fullSandbox)
    }

    @Test("every credential present: production, every part real")
    func production() throws {
        let modes = try ServiceModes.resolve(ServiceModes.Settings(credentials: Self.complete))
        #expect(modes == ServiceModes(github: .real, payments: .real, provider: .real, isProduction: true))
        let forced = try ServiceModes.resolve(ServiceModes.Settings(requested: .production, credentials: Self.complete))
        #expect(forced == modes)
    }

    @Test(
        "one real credential means production: the production requirements then apply", arguments: realCredentialNames)
    func oneCredential(name: String) throws {
        let refused = try #require(refusal(ServiceModes.Settings(credentials: Self.setting(name))))
        #expect(refused.setting == "OPUB_BASE_URL")
        #expect(refused.description.hasPrefix("OPUB_BASE_URL is not set"))
    }

    @Test("OPUB_MODE=production with no credential names what production misses")
    func forcedProduction() throws {
        let bare = try #require(refusal(ServiceModes.Settings(requested: .production)))
        #expect(bare.setting == "OPUB_BASE_URL")
        let urlAndSecret = ServiceCredentials(
            baseURL: "https://opub.example.org", secretKey: String(repeating: "s", count: 32))
        let next = try #require(refusal(ServiceModes.Settings(requested: .production, credentials: urlAndSecret)))
        #expect(next.setting == "GITHUB_CLIENT_ID")
    }

    @Test("OPUB_MODE=sandbox next to a real credential is refused, naming it", arguments: realCredentialNames)
    func sandboxWithCredential(name: String) throws {
        let refused = try #require(
            refusal(ServiceModes.Settings(requested: .sandbox, credentials: Self.setting(name))))
        #expect(refused.setting == "OPUB_MODE")
        #expect(
            refused.problem
                == "OPUB_MODE=sandbox but \(name) is set; unset the real credentials or choose OPUB_MODE=production.")
    }

    @Test("a part's sandbox flag next to that part's own real credential is refused", arguments: realCredentialNames)
    func flagWithCredential(name: String) throws {
        let part = Self.part(of: name)
        var settings = Self.production(sandboxed: [part], allowUnsafeMix: true)
        settings.credentials = Self.setting(name, in: settings.credentials)
        let refused = try #require(refusal(settings))
        #expect(refused.setting == part.sandboxFlag)
        #expect(
            refused.problem
                == "\(part.sandboxFlag)=true but \(name) is set; choose the sandbox or the real \(part.rawValue) "
                + "part, not both.")
    }

    @Test("the flag refusal names the part's first real credential set")
    func flagWithBothCredentials() throws {
        var settings = ServiceModes.Settings(credentials: Self.complete)
        settings.sandboxed = [.github]
        #expect(refusal(settings)?.problem.contains("but GITHUB_CLIENT_ID is set") == true)
    }

    /// Every combination of sandbox flags in production, with the flag a refusal names (nil: allowed).
    static let mixes: [([ServicePart], String?)] = [
        ([], nil), ([.provider], nil), ([.payments, .provider], nil), ([.github, .payments, .provider], nil),
        ([.github], "OPUB_SANDBOX_GITHUB"), ([.payments], "OPUB_SANDBOX_PAYMENTS"),
        ([.github, .payments], "OPUB_SANDBOX_GITHUB"), ([.github, .provider], "OPUB_SANDBOX_GITHUB"),
    ]

    @Test(
        "a sandbox part that can reach a real one is refused unless OPUB_ALLOW_UNSAFE_MIX; other mixes start",
        arguments: mixes)
    func mix(sandboxed: [ServicePart], refusedBy setting: String?) throws {
        let parts = Set(sandboxed)
        var expected = ServiceModes(
            github: parts.contains(.github) ? .sandbox : .real, payments: parts.contains(.payments) ? .sandbox : .real,
            provider: parts.contains(.provider) ? .sandbox : .real, isProduction: true)
        for part in ServicePart.allCases {
            #expect(expected[part] == (parts.contains(part) ? .sandbox : .real))
        }
        guard let setting else {
            #expect(try ServiceModes.resolve(Self.production(sandboxed: parts)) == expected)
            #expect(try ServiceModes.resolve(Self.production(sandboxed: parts, allowUnsafeMix: true)) == expected)
            return
        }
        let refused = try #require(refusal(Self.production(sandboxed: parts)), "\(sandboxed) was allowed")
        #expect(refused.setting == setting)
        #expect(refused.problem.hasPrefix("\(setting)=true next to "))
        #expect(refused.problem.contains("OPUB_ALLOW_UNSAFE_MIX") && !refused.problem.contains("\n"))

        let allowed = try ServiceModes.resolve(Self.production(sandboxed: parts, allowUnsafeMix: true))
        #expect(allowed.unsafeMix?.setting == setting)
        #expect(allowed.unsafeMix?.problem == refused.problem)
        expected.unsafeMix = allowed.unsafeMix
        #expect(allowed == expected)
    }

    @Test("each refused mix says what anyone could do, and how to fix it")
    func mixMessages() throws {
        let override = "set OPUB_ALLOW_UNSAFE_MIX=true only on a staging server, never with real money."
        #expect(
            refusal(Self.production(sandboxed: [.github]))?.problem
                == "OPUB_SANDBOX_GITHUB=true next to a real provider (OPENROUTER_MANAGEMENT_KEY) lets anyone sign in "
                + "as any maintainer and mint real OpenRouter keys on your credit; configure the GitHub OAuth app, or "
                + override)
        #expect(
            refusal(Self.production(sandboxed: [.payments]))?.problem
                == "OPUB_SANDBOX_PAYMENTS=true next to a real provider (OPENROUTER_MANAGEMENT_KEY) lets anyone pay "
                + "with the sandbox checkout and mint real OpenRouter keys on your credit; configure Stripe, or "
                + override)
        #expect(
            refusal(Self.production(sandboxed: [.github, .provider]))?.problem
                == "OPUB_SANDBOX_GITHUB=true next to real payments (STRIPE_SECRET_KEY) lets anyone sign in as the "
                + "maintainer of a project real donors funded; configure the GitHub OAuth app, or " + override)
    }

    @Test("a missing production setting is reported before an unsafe mix")
    func requirementsFirst() throws {
        var settings = Self.production(sandboxed: [.github])
        settings.credentials.baseURL = nil
        #expect(refusal(settings)?.setting == "OPUB_BASE_URL")
        settings = Self.production(sandboxed: [.github])
        settings.credentials.openRouterManagementKey = nil
        #expect(refusal(settings)?.setting == "OPENROUTER_MANAGEMENT_KEY")
    }

    @Test("OPUB_SANDBOX_STRIPE_WEBHOOK_SECRET is refused beside real payments, allowed beside sandbox payments")
    func sandboxWebhookSecret() throws {
        var real = ServiceModes.Settings(credentials: Self.complete)
        real.credentials.sandboxStripeWebhookSecret = "whsec_test"
        let refused = try #require(refusal(real))
        #expect(refused.setting == "OPUB_SANDBOX_STRIPE_WEBHOOK_SECRET")
        #expect(
            refused.problem
                == "OPUB_SANDBOX_STRIPE_WEBHOOK_SECRET is set but payments are real; remove it (real webhooks use "
                + "STRIPE_WEBHOOK_SECRET).")

        var sandboxPayments = Self.production(sandboxed: [.payments, .provider])
        sandboxPayments.credentials.sandboxStripeWebhookSecret = "whsec_test"
        #expect(try ServiceModes.resolve(sandboxPayments).payments == .sandbox)
    }
}

@Suite("Production requirements: a public https URL, the server secret, each real part's credentials")
struct ProductionRequirementsTests {
    static let allReal = ServiceModes(github: .real, payments: .real, provider: .real, isProduction: true)

    func failure(_ credentials: ServiceCredentials, _ modes: ServiceModes = allReal) -> ConfigurationError? {
        do {
            try ProductionRequirements.check(credentials, modes: modes)
            return nil
        } catch {
            return error
        }
    }

    @Test("outside production nothing is required")
    func sandbox() throws {
        let modes = ServiceModes(github: .sandbox, payments: .sandbox, provider: .sandbox, isProduction: false)
        try ProductionRequirements.check(ServiceCredentials(), modes: modes)
    }

    @Test("complete credentials pass; none at all stop at OPUB_BASE_URL")
    func complete() throws {
        try ProductionRequirements.check(ServiceModesTests.complete, modes: Self.allReal)
        #expect(failure(ServiceCredentials())?.setting == "OPUB_BASE_URL")
    }

    @Test(
        "each missing requirement is named, in order, in one line",
        arguments: [
            "OPUB_BASE_URL", "OPUB_SECRET_KEY", "GITHUB_CLIENT_ID", "GITHUB_CLIENT_SECRET", "STRIPE_SECRET_KEY",
            "STRIPE_WEBHOOK_SECRET", "OPENROUTER_MANAGEMENT_KEY",
        ])
    func missing(setting: String) throws {
        var credentials = ServiceModesTests.complete
        switch setting {
        case "OPUB_BASE_URL": credentials.baseURL = nil
        case "OPUB_SECRET_KEY": credentials.secretKey = nil
        case "GITHUB_CLIENT_ID": credentials.githubClientID = nil
        case "GITHUB_CLIENT_SECRET": credentials.githubClientSecret = nil
        case "STRIPE_SECRET_KEY": credentials.stripeSecretKey = nil
        case "STRIPE_WEBHOOK_SECRET": credentials.stripeWebhookSecret = nil
        default: credentials.openRouterManagementKey = nil
        }
        let error = try #require(failure(credentials))
        #expect(error.setting == setting)
        #expect(error.description.hasPrefix("\(setting) is not set; production "))
        #expect(!error.description.contains("OPUB_SANDBOX") && !error.description.contains("\n"))
    }

    @Test(
        "plain http is allowed only on loopback",
        arguments: [
            ("http://opub.example.org", false), ("http://127.0.0.1:9", true), ("http://localhost:8080", true),
            ("http://[::1]:8080", true), ("https://opub.example.org", true),
        ])
    func scheme(baseURL: String, allowed: Bool) throws {
        var credentials = ServiceModesTests.complete
        credentials.baseURL = baseURL
        let error = failure(credentials)
        #expect(error == nil ? allowed : !allowed, "\(baseURL): \(String(describing: error))")
        if let error {
            #expect(error.setting == "OPUB_BASE_URL")
            #expect(error.description.contains("plain http is allowed only on loopback"))
        }
    }

    @Test("a sandboxed part needs none of its own credentials")
    func sandboxedPart() throws {
        let credentials = ServiceCredentials(
            baseURL: "https://opub.example.org", secretKey: String(repeating: "k", count: 32))
        let modes = ServiceModes(github: .sandbox, payments: .sandbox, provider: .sandbox, isProduction: true)
        try ProductionRequirements.check(credentials, modes: modes)
        var noSecret = credentials
        noSecret.secretKey = nil
        #expect(failure(noSecret, modes)?.setting == "OPUB_SECRET_KEY")
    }

    @Test("credentials describe themselves without their values")
    func describedWithoutValues() {
        let text = String(describing: ServiceModesTests.complete)
        for secret in ["ghsecret", "sk_live_abc", "whsec_abc", "sk-or-v1-mgmt", String(repeating: "k", count: 40)] {
            #expect(!text.contains(secret))
        }
    }
}
