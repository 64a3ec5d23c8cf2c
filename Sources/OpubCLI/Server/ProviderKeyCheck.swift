import OpenRouter
import OpubCore

/// Asks the provider about a key (`GET /key`): valid, not disabled, limit left.
public enum ProviderKeyCheck {
    public static func currentKey(secret: String, providerURL: String) async throws -> CurrentKeyInfo {
        let client = OpenRouterClient(
            apiKey: secret,
            configuration: .init(baseURL: providerURL, timeout: .seconds(15), retryPolicy: RetryPolicy(maxAttempts: 2)),
            httpClient: CLIHTTPClient.shared)
        return try await client.currentKey()
    }

    /// The sentence for a provider refusal or failure.
    public static func explain(_ error: any Error, providerURL: String) -> String {
        switch error {
        case OpenRouterError.unauthorized:
            return "OpenRouter refuses this key (401): it is unknown, disabled or expired. "
                + "Create a new key on the project's keys page."
        case OpenRouterError.providerDown(let reason, _):
            return "OpenRouter at \(providerURL) is unreachable (\(reason)). Check --provider-url and your network."
        case let error as OpenRouterError:
            return error.description
        default:
            return "Could not ask OpenRouter at \(providerURL) about the key: \(error)"
        }
    }
}
