import Configuration
import Foundation
import OpubCore
import SystemPackage

/// Reads ``ServerConfiguration`` with swift-configuration: the environment first, then an optional
/// JSON file (`OPUB_CONFIG_FILE` or `serve --config-file`, top-level keys named like the
/// environment variables, string values), then defaults.
///
/// ``load(overrides:)`` is three steps: read every value and check its shape
/// (``ConfigurationValues``); decide which parts are real and which sandbox, with the production
/// requirements and the refused mixes (``ServiceModes/resolve(_:)``, pure); assemble the result.
/// The first missing or malformed setting is thrown as one ``ConfigurationError``.
public struct ConfigurationLoader: Sendable {
    let reader: ConfigReader

    public init(reader: ConfigReader) {
        self.reader = reader
    }

    /// A loader over the given variables (tests) or the process environment, plus an optional file.
    public static func make(
        environment: [String: String]? = nil, configFile: String? = nil
    ) async throws(ConfigurationError) -> ConfigurationLoader {
        let variables = environment ?? ProcessInfo.processInfo.environment
        var providers: [any ConfigProvider] = [
            EnvironmentVariablesProvider(environmentVariables: variables, secretsSpecifier: .specific(secretNames))
        ]
        if let path = configFile ?? variables["OPUB_CONFIG_FILE"].flatMap({ $0.isEmpty ? nil : $0 }) {
            do {
                providers.append(try await FileProvider<JSONSnapshot>(filePath: FilePath(path)))
            } catch {
                throw ConfigurationError(
                    setting: "OPUB_CONFIG_FILE",
                    problem:
                        "OPUB_CONFIG_FILE '\(path)' cannot be read as a JSON object of string settings: "
                        + "\(String(describing: error))"
                )
            }
        }
        return ConfigurationLoader(reader: ConfigReader(providers: providers))
    }

    /// Settings whose values must never be logged or echoed.
    static let secretNames: Set<String> = [
        "OPUB_SECRET_KEY", "GITHUB_CLIENT_SECRET", "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET",
        "OPENROUTER_MANAGEMENT_KEY", "OPUB_SANDBOX_STRIPE_WEBHOOK_SECRET", "DATABASE_URL", "OPUB_BROADCAST_TOKEN",
    ]

    /// Overrides from `serve`'s command line, applied on top of what was read.
    public struct Overrides: Sendable {
        public var bind: String?
        public var port: Int?
        public var databaseURL: String?

        public init(bind: String? = nil, port: Int? = nil, databaseURL: String? = nil) {
            self.bind = bind
            self.port = port
            self.databaseURL = databaseURL
        }
    }

    public func load(overrides: Overrides = Overrides()) throws(ConfigurationError) -> ServerConfiguration {
        // Values first: a malformed value is reported whatever the mode.
        let values = try read(overrides: overrides)
        let modes = try ServiceModes.resolve(values.services)
        return ServerConfiguration(values, modes: modes)
    }

    // MARK: - Reading values

    /// A setting's text, nil when absent or empty.
    func value(_ name: String) -> String? {
        let text = reader.string(forKey: ConfigKey([name]), isSecret: Self.secretNames.contains(name))?
            .trimmingCharacters(in: .whitespaces)
        guard let text, !text.isEmpty else { return nil }
        return text
    }

    func secret(_ name: String) throws(ConfigurationError) -> String? {
        guard let text = value(name) else { return nil }
        guard !text.contains(where: { $0.isWhitespace || $0.isNewline }) else {
            throw .malformed(name, "(hidden)", "it contains whitespace; paste the value alone")
        }
        return text
    }

    func parse<T>(
        _ name: String, default defaultValue: T, _ hint: String, _ transform: (String) -> T?
    ) throws(ConfigurationError) -> T {
        guard let text = value(name) else { return defaultValue }
        guard let parsed = transform(text) else { throw .malformed(name, "'\(text)'", hint) }
        return parsed
    }

    func flag(_ name: String) throws(ConfigurationError) -> Bool {
        try parse(name, default: false, "use true or false") { text in
            switch text.lowercased() {
            case "true", "1", "yes", "on": return true
            case "false", "0", "no", "off": return false
            default: return nil
            }
        }
    }

    func url(_ name: String, default defaultValue: String) throws(ConfigurationError) -> String {
        guard let text = value(name) else { return defaultValue }
        guard let components = URLComponents(string: text), let scheme = components.scheme,
            ["http", "https"].contains(scheme.lowercased()), let host = components.host, !host.isEmpty,
            components.query == nil, components.fragment == nil
        else { throw .malformed(name, "'\(text)'", "use an http(s) URL without query, for example \(defaultValue)") }
        return text.hasSuffix("/") ? String(text.dropLast()) : text
    }

    func money(_ name: String, default defaultValue: Money) throws(ConfigurationError) -> Money {
        guard let text = value(name) else { return defaultValue }
        do {
            return try Money.parse(text)
        } catch {
            throw .malformed(name, "'\(text)'", error.description)
        }
    }
}

extension ServerConfiguration {
    /// Assembles the configuration from the values as read and the parts' modes as resolved.
    init(_ values: ConfigurationValues, modes: ServiceModes) {
        let credentials = values.services.credentials
        self.init(
            baseURL: credentials.baseURL, bind: values.bind, database: values.database,
            dataDirectory: values.dataDirectory, secretKey: credentials.secretKey,
            github: GitHubSettings(
                mode: modes.github, clientID: credentials.githubClientID, clientSecret: credentials.githubClientSecret,
                apiURL: values.githubAPIURL, webURL: values.githubWebURL),
            payments: PaymentSettings(
                mode: modes.payments, secretKey: credentials.stripeSecretKey,
                webhookSecret: modes.payments == .real
                    ? credentials.stripeWebhookSecret : credentials.sandboxStripeWebhookSecret,
                apiURL: values.stripeAPIURL),
            provider: OpenRouterSettings(
                mode: modes.provider, managementKey: credentials.openRouterManagementKey,
                baseURL: values.openRouterBaseURL, allowedProviders: values.allowedProviders,
                reconcileIntervalSeconds: values.reconcileIntervalSeconds, keyMinimumLimit: values.keyMinimumLimit,
                workspaceID: values.workspaceID, broadcastToken: values.broadcastToken),
            agents: AgentSettings(
                recommendedModels: values.recommendedModels, cliRequestsPerSecond: values.cliRequestsPerSecond),
            donationLimits: values.donationLimits, donationHold: values.donationHold,
            feeBasisPoints: values.feeBasisPoints, alertSpikeBasisPoints: values.alertSpikeBasisPoints,
            logLevel: values.logLevel, trustForwardedFor: values.trustForwardedFor,
            trustedProxies: values.trustedProxies, allowsUnsafeMix: values.services.allowUnsafeMix,
            unsafeMix: modes.unsafeMix?.problem, cliDistributionDirectory: values.cliDistributionDirectory)
    }
}
