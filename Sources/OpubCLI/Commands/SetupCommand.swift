import ArgumentParser
import OpenRouter
import OpubCore
import OpubSurfaces

/// `opub setup <surface> --project owner/repo --compute-key-id ck_…`: checks a pasted key with opub and
/// the provider, stores it, binds the repository, and checks the agent is installed.
public struct SetupCommand: OpubSubcommand {
    public static let configuration = CommandConfiguration(
        commandName: "setup", abstract: "Store a compute key and bind this repository to it.")

    @Argument(help: "The agent: \(Surface.allCases.map(\.rawValue).joined(separator: ", ")).")
    var surface: Surface

    @Option(help: "The project, owner/repo.")
    var project: String

    @Option(name: .customLong("compute-key-id"), help: "The key's id, ck_….")
    var computeKeyID: String

    @Flag(name: .customLong("key-stdin"), help: "Read the key from standard input.")
    var keyFromStandardInput = false

    @Option(help: "Where to keep the secret: file (0600, default) or keyring (secret-tool).")
    var store: SecretStoreKind?

    @Flag(help: "Bind even though this repository's origin names another repository.")
    var force = false

    @OptionGroup public var global: GlobalOptions

    public init() {}

    public func run(in context: CLIContext) async throws {
        let support = CommandSupport(context: context, global: global)
        let console = context.console
        let repository: RepositoryName
        do { repository = try RepositoryName(parsing: project) } catch { throw CLIError(error.description) }
        guard let keyID = KeyID(computeKeyID) else {
            throw CLIError("'\(computeKeyID)' is not a compute key id; copy the ck_… id from the key page.")
        }
        let paths = support.paths
        try Self.refuseWorkTree(paths)

        var configuration = try support.configStore.load()
        let alreadyStored = configuration.keys[keyID.rawValue]
        let secret = try await readSecret(context, support: support, keyID: keyID, stored: alreadyStored)
        guard KeyFingerprint.isWellFormedSecret(secret) else {
            throw CLIError(
                "That is not an OpenRouter key (\(KeyFingerprint.label(ofSecret: secret))): keys are sk-or-v1- "
                    + "followed by 64 hex digits. Copy it again from the key page.")
        }
        // A key already set up keeps the server it was set up with unless --server / OPUB_SERVER says otherwise.
        let server = try support.server(for: alreadyStored, configuration: configuration)
        let store = self.store ?? alreadyStored.map(support.storeKind(of:)) ?? .file
        let status = try await verifyWithOpub(support, server: server, keyID: keyID, secret: secret, repository)
        let providerURL = try support.providerURL(advertised: status.providerURL, configuration: configuration)
        let providerKey = try await verifyWithProvider(secret: secret, providerURL: providerURL)
        console.info("\(console.mark(true)) key \(keyID) (\(providerKey.label)) is active for \(repository)")

        let binding = try await bindRepository(context, repository: repository, keyID: keyID)

        let program = ExecutableLookup.find(surface.program, path: context.environment["PATH"])
        let version = try await program.asyncMap { try await SurfaceVersion.read(program: $0, context: context) }

        try await support.secretStore.save(secret, keyID: keyID.rawValue, in: store)
        var versions = configuration.keys[keyID.rawValue]?.surfaceVersions ?? [:]
        if let version { versions[surface.rawValue] = version }
        configuration.keys[keyID.rawValue] = StoredKey(
            project: repository.description, name: status.key.name, label: providerKey.label, store: store.rawValue,
            server: server, providerURL: EndpointRule.isAcceptable(status.providerURL) ? status.providerURL : nil,
            heartbeatIntervalSeconds: status.heartbeatIntervalSeconds, models: status.recommendedModels,
            surfaceVersions: versions)
        if let binding {
            configuration.bindings.removeAll { $0.root == binding.root }
            configuration.bindings.append(binding)
        }
        try support.configStore.save(configuration)

        if global.json {
            try console.emitJSON(
                SetupReport(
                    key: keyID.rawValue, project: repository.description, label: providerKey.label,
                    store: store.rawValue, bound_root: binding?.root, surface: surface.rawValue,
                    installed: program != nil, version: version))
            return
        }
        console.info(
            "\(console.mark(true)) secret stored (\(store == .file ? paths.secretFile(for: keyID.rawValue) : "keyring"))"
        )
        if let binding {
            console.info("\(console.mark(true)) \(binding.root) now uses \(keyID)")
        } else {
            console.info(
                "\(console.mark(false)) not inside a git repository, so nothing is bound: run setup again in the "
                    + "repository, or use `opub run \(surface) --key \(keyID)`")
        }
        if let refusal = SurfaceRequirement.refusal(surface, versionLine: version) {
            console.info("\(console.mark(false)) \(refusal)")
        } else if program != nil {
            console.info("\(console.mark(true)) \(surface.program) \(version ?? "(version unknown)")")
        } else {
            console.info(
                "\(console.mark(false)) \(surface.program) is not installed; install it with: \(surface.installHint)")
        }
        console.result("Next: opub run \(surface.rawValue)\(binding == nil ? " --key \(keyID)" : "")")
    }

    /// Secrets and config never go inside a git work tree, where a commit could publish them.
    static func refuseWorkTree(_ paths: OpubPaths) throws {
        for (what, directory) in [("config", paths.configDirectory), ("data", paths.dataDirectory)] {
            if let root = GitWorkTree.root(containing: directory) {
                throw CLIError(
                    "The \(what) directory \(directory) is inside the git work tree \(root); opub never writes "
                        + "there, since a commit could publish the key. Choose a directory outside it "
                        + "(--config-dir, XDG_CONFIG_HOME, XDG_DATA_HOME).")
            }
        }
    }

    /// `--key-stdin`, `OPUB_PROVIDER_KEY`, the secret this machine already holds for the key (setting up
    /// another agent on the same key asks for nothing), else a hidden prompt.
    func readSecret(
        _ context: CLIContext, support: CommandSupport, keyID: KeyID, stored: StoredKey?
    ) async throws -> String {
        if keyFromStandardInput { return try context.input.readStandardInput().trimmed }
        if let fromEnvironment = context.environment["OPUB_PROVIDER_KEY"], !fromEnvironment.isEmpty {
            return fromEnvironment.trimmed
        }
        if let stored,
            let secret = try? await support.secretStore.load(keyID: keyID.rawValue, from: support.storeKind(of: stored))
        {
            context.console.info("\(context.console.mark(true)) using the secret already stored for \(keyID)")
            return secret
        }
        if let typed = context.input.readHidden(prompt: "Paste the compute key (sk-or-v1-…, input hidden): ") {
            return typed.trimmed
        }
        throw CLIError(
            "No key given: pipe it with --key-stdin, set OPUB_PROVIDER_KEY, or run setup in a terminal to paste it.")
    }

    func verifyWithOpub(
        _ support: CommandSupport, server: String, keyID: KeyID, secret: String, _ repository: RepositoryName
    ) async throws -> CLIKeyStatus {
        let client = support.serverClient(server: server, secret: secret, keyID: keyID)
        let status: CLIKeyStatus
        do {
            status = try await client.keyStatus(keyID)
        } catch let error as OpubServerError {
            switch error.status {
            case 401, 403, 404:
                throw CLIError(
                    "opub at \(server) does not know key \(keyID) with this secret. Check --compute-key-id and that "
                        + "you pasted the secret shown with that key.")
            default:
                throw CLIError(error.description)
            }
        }
        let owner = (try? RepositoryName(parsing: status.project.fullName)) ?? repository
        guard owner == repository else {
            throw CLIError(
                "Key \(keyID) belongs to \(status.project.fullName), not \(repository). Use --project "
                    + "\(status.project.fullName), or the key created for \(repository).")
        }
        guard status.key.state == "active" else {
            let reason = status.key.disabledReason.map { " (\($0))" } ?? ""
            throw CLIError(
                "Key \(keyID) is \(status.key.state)\(reason), so it cannot be used. Create a new key on "
                    + "\(server)/github/\(repository)/keys.")
        }
        return status
    }

    func verifyWithProvider(secret: String, providerURL: String) async throws -> CurrentKeyInfo {
        let info: CurrentKeyInfo
        do {
            info = try await ProviderKeyCheck.currentKey(secret: secret, providerURL: providerURL)
        } catch {
            throw CLIError(ProviderKeyCheck.explain(error, providerURL: providerURL))
        }
        if let remaining = info.limitRemaining, !remaining.isPositive {
            throw CLIError(
                "OpenRouter says this key has no limit left (\(remaining) of \(info.limit?.description ?? "?")). "
                    + "Ask for a new key once the project has funds.")
        }
        return info
    }

    func bindRepository(
        _ context: CLIContext, repository: RepositoryName, keyID: KeyID
    ) async throws -> RepositoryBinding? {
        guard let root = GitWorkTree.root(containing: context.currentDirectory) else { return nil }
        let remote = try await GitCommands(context: context).originURL(root: root)
        if let remote, let named = GitRemote.repository(fromRemote: remote), named != repository, !force {
            throw CLIError(
                "This repository's origin is \(named) (\(remote)), not \(repository). Run setup in a clone of "
                    + "\(repository), or pass --force to bind it anyway.")
        }
        return RepositoryBinding(root: root, remote: remote, key: keyID.rawValue)
    }
}

/// `opub setup --json`.
struct SetupReport: Encodable {
    var key: String
    var project: String
    var label: String
    var store: String
    var bound_root: String?
    var surface: String
    var installed: Bool
    var version: String?
}

extension Surface: ExpressibleByArgument {}
extension SecretStoreKind: ExpressibleByArgument {}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T?) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
