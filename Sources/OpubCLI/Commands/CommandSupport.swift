import Foundation
import OpenRouter
import OpubCore
import OpubSurfaces

/// What every command derives from the global options and the context: paths, stores, which server
/// and provider to talk to, and which key this repository uses.
struct CommandSupport: Sendable {
    static let defaultServer = LaunchTable.defaultServer
    static let defaultProvider = OpenRouterClient.Configuration.defaultBaseURL

    let context: CLIContext
    let global: GlobalOptions

    var console: Console { context.console }
    var environment: [String: String] { context.environment }

    var paths: OpubPaths {
        let override = global.configDirectory ?? environment["OPUB_CONFIG_DIR"].flatMap { $0.isEmpty ? nil : $0 }
        return OpubPaths(environment: environment, configDirectoryOverride: override.map(absolute))
    }

    var configStore: ConfigStore { ConfigStore(paths: paths) }

    var secretStore: SecretStore {
        SecretStore(paths: paths, processes: context.processes, environment: environment)
    }

    func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : context.currentDirectory + "/" + path
    }

    /// `--server`, `OPUB_SERVER`, the server the key was set up with, `config.toml`, then opub.dev.
    func server(for key: StoredKey?, configuration: CLIConfiguration? = nil) throws -> String {
        let chosen =
            global.server ?? environment["OPUB_SERVER"].flatMap { $0.isEmpty ? nil : $0 } ?? key?.server
            ?? configuration?.server ?? Self.defaultServer
        guard EndpointRule.isAcceptable(chosen) else {
            throw CLIError(
                "The opub server \(chosen) is neither https:// nor a loopback address; opub sends the link token "
                    + "only over https (or to this machine). Fix --server / OPUB_SERVER.")
        }
        return EndpointRule.trimmed(chosen)
    }

    /// `--provider-url` or `OPUB_PROVIDER_URL` (must be https or loopback), else nil.
    func providerOverride(configuration: CLIConfiguration? = nil) throws -> String? {
        guard
            let chosen = global.providerURL ?? environment["OPUB_PROVIDER_URL"].flatMap({ $0.isEmpty ? nil : $0 })
                ?? configuration?.providerURL
        else { return nil }
        guard EndpointRule.isAcceptable(chosen) else {
            throw CLIError(
                "The provider URL \(chosen) is neither https:// nor a loopback address; the key would travel in "
                    + "clear text. Fix --provider-url / OPUB_PROVIDER_URL.")
        }
        return EndpointRule.trimmed(chosen)
    }

    /// The override, else the URL the server advertised when it is https or loopback, else OpenRouter.
    func providerURL(advertised: String?, configuration: CLIConfiguration? = nil) throws -> String {
        if let override = try providerOverride(configuration: configuration) { return override }
        if let advertised, EndpointRule.isAcceptable(advertised) { return EndpointRule.trimmed(advertised) }
        return Self.defaultProvider
    }

    /// The key `--key` names, else the one bound to the repository containing the working directory.
    func resolveKey(explicit: String?, in configuration: CLIConfiguration) throws -> (KeyID, StoredKey) {
        if let explicit {
            guard let keyID = KeyID(explicit) else {
                throw CLIError("'\(explicit)' is not a compute key id; they look like ck_… (see `opub keys`).")
            }
            guard let stored = configuration.keys[keyID.rawValue] else {
                throw CLIError("This machine holds no key \(keyID). Run the `opub setup` command from the key page.")
            }
            return (keyID, stored)
        }
        guard let root = GitWorkTree.root(containing: context.currentDirectory) else {
            if configuration.keys.isEmpty {
                throw CLIError(
                    "No compute key is set up on this machine yet. Run the `opub setup` command shown on your "
                        + "project's key page (opub setup <agent> --project owner/repo --compute-key-id ck_…), "
                        + "in the project's repository.")
            }
            throw CLIError(
                "Not inside a git repository, so no key is bound here. Run this in the project's repository, "
                    + "or pass --key ck_… (see `opub keys`).")
        }
        guard let binding = configuration.binding(forRoot: root), let keyID = KeyID(binding.key),
            let stored = configuration.keys[binding.key]
        else {
            throw CLIError(
                "No compute key is bound to \(root). Run the `opub setup` command from the project's key page "
                    + "in this repository, or pass --key ck_….")
        }
        return (keyID, stored)
    }

    func storeKind(of key: StoredKey) -> SecretStoreKind { SecretStoreKind(rawValue: key.store) ?? .file }

    /// The secret, or a message saying how to get it back.
    func loadSecret(_ keyID: KeyID, _ key: StoredKey) async throws -> String {
        guard let secret = try await secretStore.load(keyID: keyID.rawValue, from: storeKind(of: key)) else {
            throw CLIError(
                "The secret of \(keyID) is missing from this machine (\(key.store) store). Run `opub setup` again "
                    + "with the key, or `opub logout --key \(keyID)` to forget it.")
        }
        return secret
    }

    func serverClient(
        server: String, secret: String, keyID: KeyID, timeout: Duration = .seconds(10)
    )
        -> OpubServerClient
    {
        OpubServerClient(
            server: server, linkToken: LinkToken.derive(secret: secret, keyID: keyID), transport: context.http,
            timeout: timeout)
    }
}
