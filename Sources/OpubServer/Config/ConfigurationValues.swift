import Foundation
import Logging
import OpubCore
import OpubStore

/// Every setting as read and checked for shape, before anything is decided about the parts' modes:
/// the first step of ``ConfigurationLoader/load(overrides:)``. A malformed value is reported here,
/// whatever the mode.
struct ConfigurationValues: Sendable {
    var bind: BindAddress
    var database: DatabaseURL
    var dataDirectory: String
    var logLevel: Logger.Level
    var trustForwardedFor: Bool
    var trustedProxies: Int
    var githubAPIURL: String
    var githubWebURL: String
    var stripeAPIURL: String
    var openRouterBaseURL: String
    var donationLimits: DonationLimits
    var donationHold: DonationHold
    var feeBasisPoints: Int
    var alertSpikeBasisPoints: Int
    var allowedProviders: [String]
    var reconcileIntervalSeconds: Int
    var recommendedModels: [String: String]
    var cliRequestsPerSecond: Int
    var keyMinimumLimit: Money
    var broadcastToken: String?
    var workspaceID: String?
    var cliDistributionDirectory: String?
    /// What ``ServiceModes/resolve(_:)`` decides from.
    var services: ServiceModes.Settings
}

extension ConfigurationLoader {
    /// Reads every setting, in the order the first malformed one is reported.
    func read(overrides: Overrides) throws(ConfigurationError) -> ConfigurationValues {
        var bind = try parse("OPUB_BIND", default: BindAddress.default, "use host:port, for example 127.0.0.1:8080") {
            BindAddress(parsing: $0)
        }
        if let text = overrides.bind {
            guard let parsed = BindAddress(parsing: text) else {
                throw .malformed("--bind", "'\(text)'", "use host:port, for example 127.0.0.1:8080")
            }
            bind = parsed
        }
        if let port = overrides.port {
            guard (0...65_535).contains(port) else {
                throw .malformed("--port", "'\(port)'", "use a port from 0 to 65535 (0 picks a free one)")
            }
            bind.port = port
        }
        let database = try loadDatabase(override: overrides.databaseURL)
        let dataDirectory = value("OPUB_DATA_DIR") ?? Self.defaultDataDirectory(for: database)
        let logLevel = try parse(
            "LOG_LEVEL", default: Logger.Level.info, "use trace, debug, info, notice, warning, error or critical"
        ) {
            Logger.Level(rawValue: $0.lowercased())
        }
        var trustForwardedFor = try flag("OPUB_TRUST_FORWARDED_FOR")
        let trustedProxies = try parse(
            "OPUB_TRUSTED_PROXIES", default: 1, "use the number of proxies in front of opub, from 1 to 10"
        ) { text -> Int? in
            guard let hops = Int(text), (1...10).contains(hops) else { return nil }
            return hops
        }
        // Naming a number of trusted proxies says the header comes from them.
        if value("OPUB_TRUSTED_PROXIES") != nil { trustForwardedFor = true }
        let githubAPI = try url("GITHUB_API_URL", default: "https://api.github.com")
        let githubWeb = try url("GITHUB_WEB_URL", default: "https://github.com")
        let stripeAPI = try url("STRIPE_API_URL", default: "https://api.stripe.com")
        let openRouterURL = try url("OPENROUTER_BASE_URL", default: "https://openrouter.ai/api/v1")
        let limits = try donationLimits()
        let hold = try donationHold()
        let fee = try feeBasisPoints()
        let spike = try parse(
            "OPUB_ALERT_SPIKE_PERCENT", default: KeyAlertRules.defaultSpikeBasisPoints,
            "use a whole percentage from 1 to 100, for example 25"
        ) { text -> Int? in
            let digits = text.hasSuffix("%") ? String(text.dropLast()) : text
            guard let percent = Int(digits), (1...100).contains(percent) else { return nil }
            return percent * 100
        }
        let allowedProviders = try providers()
        let interval = try parse(
            "OPUB_RECONCILE_INTERVAL", default: 60, "use whole seconds from 5 to 86400, for example 60"
        ) {
            text -> Int? in
            let digits = text.hasSuffix("s") ? String(text.dropLast()) : text
            guard let seconds = Int(digits), (5...86_400).contains(seconds) else { return nil }
            return seconds
        }
        let models = try recommendedModels()
        let cliRate = try parse(
            "OPUB_CLI_RATE_LIMIT", default: 20, "use requests per second per client address from 0 (off) to 100000"
        ) { text -> Int? in
            guard let rate = Int(text), (0...100_000).contains(rate) else { return nil }
            return rate
        }
        let keyMinimum = try money("OPUB_KEY_MIN_LIMIT", default: Money(dollars: 1))
        guard keyMinimum.isPositive else {
            throw .malformed("OPUB_KEY_MIN_LIMIT", "'\(keyMinimum.centsString)'", "it must be more than 0.00")
        }

        let secretKey = try secret("OPUB_SECRET_KEY")
        if let secretKey, secretKey.count < 32 {
            throw .malformed(
                "OPUB_SECRET_KEY", "(\(secretKey.count) characters)",
                "use at least 32 random characters, for example the output of `openssl rand -hex 32`")
        }
        let clientID = try secret("GITHUB_CLIENT_ID")
        let clientSecret = try secret("GITHUB_CLIENT_SECRET")
        let stripeKey = try secret("STRIPE_SECRET_KEY")
        if let stripeKey, !(stripeKey.hasPrefix("sk_") || stripeKey.hasPrefix("rk_")) {
            throw .malformed(
                "STRIPE_SECRET_KEY", "(hidden)", "a Stripe secret key starts with sk_ (or rk_ for a restricted key)")
        }
        let webhookSecret = try secret("STRIPE_WEBHOOK_SECRET")
        if let webhookSecret, !webhookSecret.hasPrefix("whsec_") {
            throw .malformed("STRIPE_WEBHOOK_SECRET", "(hidden)", "a Stripe webhook signing secret starts with whsec_")
        }
        let sandboxWebhookSecret = try secret("OPUB_SANDBOX_STRIPE_WEBHOOK_SECRET")
        let managementKey = try secret("OPENROUTER_MANAGEMENT_KEY")
        let broadcastToken = try secret("OPUB_BROADCAST_TOKEN")
        if let broadcastToken, broadcastToken.count < 24 || broadcastToken.contains(where: \.isWhitespace) {
            throw .malformed(
                "OPUB_BROADCAST_TOKEN", "(hidden)",
                "use at least 24 characters without spaces, for example the output of `openssl rand -hex 32`")
        }
        let baseURL = try value("OPUB_BASE_URL").map { text throws(ConfigurationError) in try Self.baseURL(text) }

        let requested = try parse(
            "OPUB_MODE", default: ServiceModes.Requested.auto, "use auto, sandbox or production"
        ) { ServiceModes.Requested(rawValue: $0.lowercased()) }
        var sandboxed: Set<ServicePart> = []
        for part in ServicePart.allCases {
            if try flag(part.sandboxFlag) { sandboxed.insert(part) }
        }
        let allowUnsafeMix = try flag("OPUB_ALLOW_UNSAFE_MIX")
        let workspaceID = try workspace()

        return ConfigurationValues(
            bind: bind, database: database, dataDirectory: dataDirectory, logLevel: logLevel,
            trustForwardedFor: trustForwardedFor, trustedProxies: trustedProxies, githubAPIURL: githubAPI,
            githubWebURL: githubWeb, stripeAPIURL: stripeAPI, openRouterBaseURL: openRouterURL,
            donationLimits: limits, donationHold: hold, feeBasisPoints: fee, alertSpikeBasisPoints: spike,
            allowedProviders: allowedProviders, reconcileIntervalSeconds: interval, recommendedModels: models,
            cliRequestsPerSecond: cliRate, keyMinimumLimit: keyMinimum, broadcastToken: broadcastToken,
            workspaceID: workspaceID, cliDistributionDirectory: value("OPUB_CLI_DIST_DIR"),
            services: ServiceModes.Settings(
                requested: requested, sandboxed: sandboxed, allowUnsafeMix: allowUnsafeMix,
                credentials: ServiceCredentials(
                    baseURL: baseURL, secretKey: secretKey, githubClientID: clientID,
                    githubClientSecret: clientSecret, stripeSecretKey: stripeKey, stripeWebhookSecret: webhookSecret,
                    sandboxStripeWebhookSecret: sandboxWebhookSecret, openRouterManagementKey: managementKey)))
    }

    // MARK: - Settings with their own rules

    /// `OPUB_DONATION_HOLD`: a duration — whole seconds, or a number with `s`, `m`, `h` or `d`
    /// (`72h`, `3d`) — up to 90 days; 0 (the default) holds nothing.
    func donationHold() throws(ConfigurationError) -> DonationHold {
        try parse(
            "OPUB_DONATION_HOLD", default: DonationHold.none,
            "use a duration up to 90 days such as 72h, 3d, 30m or 0 (no hold)"
        ) { text -> DonationHold? in
            let units: [Character: Int64] = ["s": 1, "m": 60, "h": 3_600, "d": 86_400]
            let unit = text.last.flatMap { units[$0] }
            guard let number = Int64(unit == nil ? text : String(text.dropLast())), number >= 0,
                number <= 90 * 86_400 / (unit ?? 1)
            else { return nil }
            return DonationHold(seconds: number * (unit ?? 1))
        }
    }

    /// `OPENROUTER_WORKSPACE_ID`, a workspace UUID, when set.
    func workspace() throws(ConfigurationError) -> String? {
        try parse(
            "OPENROUTER_WORKSPACE_ID", default: nil,
            "use the workspace's id from OpenRouter's workspace settings, for example 9b6f1c2e-4a1d-4e8b-9c3a-5d2e7f8a1b0c"
        ) { text -> String?? in
            let hex = text.filter { $0 != "-" }
            guard text.count == 36, hex.count == 32, hex.allSatisfy(\.isHexDigit) else { return nil }
            return .some(text.lowercased())
        }
    }

    static func baseURL(_ text: String) throws(ConfigurationError) -> String {
        guard let components = URLComponents(string: text), let scheme = components.scheme,
            ["http", "https"].contains(scheme.lowercased()), let host = components.host, !host.isEmpty,
            components.query == nil, components.fragment == nil, components.path.isEmpty || components.path == "/"
        else {
            throw .malformed(
                "OPUB_BASE_URL", "'\(text)'", "use the site's origin, for example https://opub.example.org")
        }
        return text.hasSuffix("/") ? String(text.dropLast()) : text
    }

    func loadDatabase(override: String?) throws(ConfigurationError) -> DatabaseURL {
        guard let text = override ?? value("DATABASE_URL") else { return .default }
        do {
            return try DatabaseURL(parsing: text)
        } catch {
            throw ConfigurationError(setting: "DATABASE_URL", problem: error.description)
        }
    }

    func donationLimits() throws(ConfigurationError) -> DonationLimits {
        let minimum = try money("OPUB_DONATION_MIN", default: DonationLimits.default.minimum)
        let maximum = try money("OPUB_DONATION_MAX", default: DonationLimits.default.maximum)
        guard minimum.isPositive else {
            throw .malformed(
                "OPUB_DONATION_MIN", "'\(minimum.centsString)'", "the smallest donation must be more than 0.00")
        }
        guard minimum <= maximum else {
            throw .malformed(
                "OPUB_DONATION_MAX", "'\(maximum.centsString)'",
                "it is below OPUB_DONATION_MIN (\(minimum.centsString))")
        }
        return DonationLimits(minimum: minimum, maximum: maximum)
    }

    func feeBasisPoints() throws(ConfigurationError) -> Int {
        guard let text = value("OPUB_FEE_PERCENT") else { return 0 }
        let hint = "use a percentage from 0 to 99.99 with at most 2 decimals, for example 2.5"
        let body = text.hasSuffix("%") ? String(text.dropLast()) : text
        let parts = body.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let whole = Int(parts[0]), parts[0].allSatisfy(\.isNumber), whole < 100 else {
            throw .malformed("OPUB_FEE_PERCENT", "'\(text)'", hint)
        }
        var fraction = 0
        if parts.count == 2 {
            guard (1...2).contains(parts[1].count), parts[1].allSatisfy(\.isNumber), let value = Int(parts[1]) else {
                throw .malformed("OPUB_FEE_PERCENT", "'\(text)'", hint)
            }
            fraction = parts[1].count == 1 ? value * 10 : value
        }
        return whole * 100 + fraction
    }

    /// `OPUB_RECOMMENDED_MODELS`: `surface=model` pairs, comma-separated, over the defaults.
    func recommendedModels() throws(ConfigurationError) -> [String: String] {
        var models = AgentSettings.defaultRecommendedModels
        guard let text = value("OPUB_RECOMMENDED_MODELS") else { return models }
        let hint = "use surface=model pairs, for example claude=anthropic/claude-sonnet-4.6,codex=openai/gpt-5.4"
        for pair in text.split(separator: ",") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, models[parts[0]] != nil, !parts[1].isEmpty, parts[1].count <= 200,
                parts[1].allSatisfy({ $0.isASCII && !$0.isWhitespace && !$0.isNewline })
            else { throw .malformed("OPUB_RECOMMENDED_MODELS", "'\(text)'", hint) }
            models[parts[0]] = parts[1]
        }
        return models
    }

    func providers() throws(ConfigurationError) -> [String] {
        guard let text = value("OPUB_ALLOWED_PROVIDERS") else { return [] }
        let names = text.split(separator: ",", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        for name in names {
            guard !name.isEmpty, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_./".contains($0)) })
            else {
                throw .malformed(
                    "OPUB_ALLOWED_PROVIDERS", "'\(text)'",
                    "use a comma-separated list of provider slugs, for example anthropic,openai")
            }
        }
        return names
    }

    static func defaultDataDirectory(for database: DatabaseURL) -> String {
        if case .sqlite(let path) = database {
            let folder = (path as NSString).deletingLastPathComponent
            return folder.isEmpty ? "." : folder
        }
        return "."
    }
}
