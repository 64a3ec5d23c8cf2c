import OpubCore
import OpubServer
import OpubStore
import Testing

@Suite("Configuration: sandbox by default, production complete or refused in one line")
struct ConfigurationTests {
    static let production: [String: String] = [
        "OPUB_BASE_URL": "https://opub.example.org", "OPUB_SECRET_KEY": String(repeating: "k", count: 40),
        "GITHUB_CLIENT_ID": "Iv1.abc", "GITHUB_CLIENT_SECRET": "ghsecret", "STRIPE_SECRET_KEY": "sk_live_abc",
        "STRIPE_WEBHOOK_SECRET": "whsec_abc", "OPENROUTER_MANAGEMENT_KEY": "sk-or-v1-mgmt",
    ]

    func load(_ environment: [String: String]) async throws(ConfigurationError) -> ServerConfiguration {
        try await ConfigurationLoader.make(environment: environment).load()
    }

    func failure(_ environment: [String: String]) async -> ConfigurationError? {
        do {
            _ = try await load(environment)
            return nil
        } catch {
            return error
        }
    }

    @Test("nothing set: full sandbox with the documented defaults")
    func defaults() async throws {
        let configuration = try await load([:])
        #expect(configuration.isFullSandbox)
        #expect(configuration.bind == BindAddress(host: "127.0.0.1", port: 8080))
        #expect(configuration.database == .default)
        #expect(configuration.dataDirectory == ".")
        #expect(configuration.secretKey == nil)
        #expect(configuration.github.apiURL == "https://api.github.com")
        #expect(configuration.github.webURL == "https://github.com")
        #expect(configuration.payments.apiURL == "https://api.stripe.com")
        #expect(configuration.donationLimits == .default)
        #expect(configuration.feeBasisPoints == 0)
        #expect(configuration.donationHold == .none)
        #expect(configuration.logLevel == .info)
        #expect(!configuration.secureCookies)
    }

    @Test("every production setting present: production, secure cookies")
    func production() async throws {
        let configuration = try await load(Self.production)
        #expect(configuration.sandboxParts.isEmpty)
        #expect(configuration.secureCookies)
        #expect(configuration.baseURL == "https://opub.example.org")
    }

    @Test(
        "each missing production setting is named in one line",
        arguments: [
            "OPUB_BASE_URL", "OPUB_SECRET_KEY", "GITHUB_CLIENT_ID", "GITHUB_CLIENT_SECRET", "STRIPE_SECRET_KEY",
            "STRIPE_WEBHOOK_SECRET", "OPENROUTER_MANAGEMENT_KEY",
        ])
    func missing(setting: String) async throws {
        var environment = Self.production
        environment[setting] = nil
        let error = try #require(await failure(environment))
        #expect(error.setting == setting)
        #expect(error.description.hasPrefix("\(setting) is not set"))
        #expect(!error.description.contains("\n"))
    }

    @Test(
        "each malformed setting is named in one line",
        arguments: [
            ("OPUB_BIND", "localhost"), ("OPUB_BIND", "127.0.0.1:99999"), ("DATABASE_URL", "mysql://x"),
            ("OPUB_BASE_URL", "opub.example.org"), ("OPUB_BASE_URL", "http://opub.example.org"),
            ("OPUB_SECRET_KEY", "short"), ("GITHUB_API_URL", "ftp://x"), ("GITHUB_WEB_URL", "not a url"),
            ("STRIPE_API_URL", "https://api.stripe.com?x=1"), ("STRIPE_SECRET_KEY", "pk_live_abc"),
            ("STRIPE_WEBHOOK_SECRET", "abc"), ("OPUB_DONATION_MIN", "0"), ("OPUB_DONATION_MIN", "1.001"),
            ("OPUB_DONATION_MAX", "0.50"), ("OPUB_FEE_PERCENT", "100"), ("OPUB_FEE_PERCENT", "2.555"),
            ("OPUB_FEE_PERCENT", "-1"), ("LOG_LEVEL", "loud"), ("OPUB_RECONCILE_INTERVAL", "1"),
            ("OPUB_ALLOWED_PROVIDERS", "anthropic,,openai"), ("OPUB_KEY_MIN_LIMIT", "0"),
            ("OPENROUTER_BASE_URL", "openrouter"), ("OPUB_MODE", "staging"), ("OPUB_TRUST_FORWARDED_FOR", "maybe"),
            ("OPUB_SANDBOX_GITHUB", "perhaps"), ("GITHUB_CLIENT_SECRET", "has space"),
            ("OPUB_DONATION_HOLD", "72x"), ("OPUB_DONATION_HOLD", "-1h"), ("OPUB_DONATION_HOLD", "91d"),
        ])
    func malformed(setting: String, value: String) async throws {
        var environment = Self.production
        environment[setting] = value
        let error = try #require(await failure(environment), "\(setting)=\(value) was accepted")
        #expect(error.setting == setting, "\(error)")
        #expect(error.description.contains(setting))
        #expect(!error.description.contains("\n"))
        if ["OPUB_SECRET_KEY", "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "GITHUB_CLIENT_SECRET"].contains(setting) {
            #expect(!error.description.contains(value), "a secret was echoed")
        }
    }

    @Test("one real credential means production: the rest is required")
    func partial() async throws {
        let error = try #require(await failure(["STRIPE_SECRET_KEY": "sk_test_abc"]))
        #expect(error.setting == "OPUB_BASE_URL")
        let next = try #require(
            await failure([
                "STRIPE_SECRET_KEY": "sk_test_abc", "OPUB_BASE_URL": "https://o.example",
                "OPUB_SECRET_KEY": String(repeating: "s", count: 32),
            ]))
        #expect(next.setting == "GITHUB_CLIENT_ID")
        #expect(next.description.contains("GITHUB_CLIENT_SECRET") && !next.description.contains("OPUB_SANDBOX_GITHUB"))
    }

    @Test("mixing real and sandbox parts needs an explicit flag per part")
    func mixing() async throws {
        let configuration = try await load([
            "STRIPE_SECRET_KEY": "sk_test_abc", "STRIPE_WEBHOOK_SECRET": "whsec_x",
            "OPUB_BASE_URL": "https://o.example",
            "OPUB_SECRET_KEY": String(repeating: "s", count: 32), "OPUB_SANDBOX_GITHUB": "true",
            "OPUB_SANDBOX_PROVIDER": "1", "OPUB_ALLOW_UNSAFE_MIX": "true",
        ])
        #expect(configuration.allowsUnsafeMix && configuration.unsafeMix?.contains("OPUB_SANDBOX_GITHUB") == true)
        #expect(configuration.payments.mode == .real)
        #expect(configuration.github.mode == .sandbox)
        #expect(configuration.provider.mode == .sandbox)
        #expect(configuration.secureCookies, "the public URL is https")

        var both = Self.production
        both["OPUB_SANDBOX_GITHUB"] = "true"
        #expect(await failure(both)?.setting == "OPUB_SANDBOX_GITHUB")
        var sandboxSecret = Self.production
        sandboxSecret["OPUB_SANDBOX_STRIPE_WEBHOOK_SECRET"] = "whsec_test"
        #expect(await failure(sandboxSecret)?.setting == "OPUB_SANDBOX_STRIPE_WEBHOOK_SECRET")
        #expect(await failure(["OPUB_MODE": "production"])?.setting == "OPUB_BASE_URL")
        #expect(await failure(["OPUB_MODE": "sandbox", "GITHUB_CLIENT_ID": "x"])?.setting == "OPUB_MODE")
    }

    /// Production settings with the given parts sandboxed by flag (their real credentials removed).
    static func production(sandboxed parts: [ServicePart]) -> [String: String] {
        var environment = production
        for part in parts {
            environment[part.sandboxFlag] = "true"
            switch part {
            case .github: environment["GITHUB_CLIENT_ID"] = nil; environment["GITHUB_CLIENT_SECRET"] = nil
            case .payments: environment["STRIPE_SECRET_KEY"] = nil; environment["STRIPE_WEBHOOK_SECRET"] = nil
            case .provider: environment["OPENROUTER_MANAGEMENT_KEY"] = nil
            }
        }
        return environment
    }

    @Test(
        "a sandbox part that can reach a real one is refused in one line naming the settings, unless allowed",
        arguments: [
            ([ServicePart.github], "OPUB_SANDBOX_GITHUB"), ([.payments], "OPUB_SANDBOX_PAYMENTS"),
            ([.github, .payments], "OPUB_SANDBOX_GITHUB"), ([.github, .provider], "OPUB_SANDBOX_GITHUB"),
        ])
    func unsafeMixes(sandboxed: [ServicePart], setting: String) async throws {
        let refused = try #require(await failure(Self.production(sandboxed: sandboxed)))
        #expect(refused.setting == setting)
        #expect(refused.description.contains(setting) && refused.description.contains("OPUB_ALLOW_UNSAFE_MIX"))
        #expect(!refused.description.contains("\n"))
        var allowed = Self.production(sandboxed: sandboxed)
        allowed["OPUB_ALLOW_UNSAFE_MIX"] = "true"
        let configuration = try await load(allowed)
        #expect(configuration.unsafeMix != nil)
    }

    @Test(
        "mixes where no sandbox part reaches a real one start without the override",
        arguments: [[ServicePart](), [.provider], [.payments, .provider]])
    func safeMixes(sandboxed: [ServicePart]) async throws {
        let configuration = try await load(Self.production(sandboxed: sandboxed))
        #expect(configuration.unsafeMix == nil)
        #expect(configuration.sandboxParts == sandboxed)
    }

    @Test("the start-up hints for a missing credential no longer suggest the sandbox flags")
    func hints() async throws {
        var missing = Self.production
        missing["GITHUB_CLIENT_SECRET"] = nil
        let refused = try #require(await failure(missing))
        #expect(refused.setting == "GITHUB_CLIENT_SECRET")
        #expect(!refused.description.contains("OPUB_SANDBOX"))
    }

    @Test("forwarded addresses: OPUB_TRUSTED_PROXIES hops from the right, and naming it trusts the header")
    func trustedProxies() async throws {
        #expect(try await load([:]).trustedProxies == 1)
        let two = try await load(["OPUB_TRUSTED_PROXIES": "2"])
        #expect(two.trustForwardedFor && two.trustedProxies == 2)
        #expect(await failure(["OPUB_TRUSTED_PROXIES": "0"])?.setting == "OPUB_TRUSTED_PROXIES")
    }

    @Test("values are parsed: bind, limits, fee, data dir, sandbox webhook secret, overrides")
    func values() async throws {
        let configuration = try await load([
            "OPUB_BIND": "0.0.0.0:9000", "DATABASE_URL": "sqlite:///var/lib/opub/opub.sqlite",
            "OPUB_DONATION_MIN": "2", "OPUB_DONATION_MAX": "$500.00", "OPUB_FEE_PERCENT": "2.5",
            "LOG_LEVEL": "DEBUG", "OPUB_SANDBOX_STRIPE_WEBHOOK_SECRET": "whsec_test_known",
            "OPUB_ALLOWED_PROVIDERS": "anthropic, openai", "OPUB_RECONCILE_INTERVAL": "30s",
            "OPUB_DONATION_HOLD": "72h",
        ])
        #expect(configuration.donationHold == DonationHold(seconds: 72 * 3_600))
        #expect(configuration.bind == BindAddress(host: "0.0.0.0", port: 9000))
        #expect(configuration.dataDirectory == "/var/lib/opub")
        #expect(
            configuration.donationLimits == DonationLimits(minimum: Money(dollars: 2), maximum: Money(dollars: 500)))
        #expect(configuration.feeBasisPoints == 250)
        #expect(configuration.logLevel == .debug)
        #expect(configuration.payments.webhookSecret == "whsec_test_known")
        #expect(configuration.provider.allowedProviders == ["anthropic", "openai"])
        #expect(configuration.provider.reconcileIntervalSeconds == 30)
        let overridden = try await ConfigurationLoader.make(environment: ["OPUB_BIND": "127.0.0.1:1"]).load(
            overrides: .init(port: 0))
        #expect(overridden.bind.port == 0)
        #expect(BindAddress(parsing: "[::1]:8080") == BindAddress(host: "::1", port: 8080))
    }
}
