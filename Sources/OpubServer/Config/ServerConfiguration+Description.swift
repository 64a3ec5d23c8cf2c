extension ServerConfiguration: CustomStringConvertible, CustomDebugStringConvertible {
    /// A summary safe to log: which parts are real, never a secret's value.
    public var description: String {
        func set(_ value: String?) -> String { value == nil ? "unset" : "set" }
        return
            "ServerConfiguration(base_url: \(baseURL ?? "(listening address)"), bind: \(bind), database: \(database), "
            + "github: \(github.mode.rawValue), payments: \(payments.mode.rawValue), "
            + "provider: \(provider.mode.rawValue), secret_key: \(set(secretKey)), "
            + "stripe_secret_key: \(set(payments.secretKey)), webhook_secret: \(set(payments.webhookSecret)), "
            + "github_client_secret: \(set(github.clientSecret)), openrouter_key: \(set(provider.managementKey)))"
    }

    public var debugDescription: String { description }
}
