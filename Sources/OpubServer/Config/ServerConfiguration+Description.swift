extension ServerConfiguration: CustomStringConvertible, CustomDebugStringConvertible {
    /// A summary safe to log: which parts are real, never a secret's value.
    public var description: String {
        func presence(_ value: String?) -> String { value == nil ? "unset" : "set" }
        let parts: [String] = [
            "base_url: " + (baseURL ?? "(listening address)"),
            "bind: " + bind.description,
            "database: " + database.description,
            "github: " + github.mode.rawValue,
            "payments: " + payments.mode.rawValue,
            "provider: " + provider.mode.rawValue,
            "secret_key: " + presence(secretKey),
            "stripe_secret_key: " + presence(payments.secretKey),
            "webhook_secret: " + presence(payments.webhookSecret),
            "github_client_secret: " + presence(github.clientSecret),
            "openrouter_key: " + presence(provider.managementKey),
            "broadcast_token: " + presence(provider.broadcastToken),
        ]
        return "ServerConfiguration(" + parts.joined(separator: ", ") + ")"
    }

    public var debugDescription: String { description }
}
