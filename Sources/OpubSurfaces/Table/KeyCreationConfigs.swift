import OpubCore

/// What the key-creation answer (`POST /projects/{owner}/{repo}/keys` → `setup_commands`, `environment`,
/// `headers`) and page show besides the secret, built from the launch table so that the page and
/// `opub run` cannot disagree.
public struct KeyCreationConfigs: Sendable, Hashable, Codable {
    /// Surface → `opub setup <surface> --project owner/repo --compute-key-id ck_… [--server URL]`.
    public var setupCommands: [String: String]
    /// Surface → the variables a custom setup needs, secret included (the creation answer is the only
    /// one that ever carries it).
    public var environment: [String: [String: String]]
    /// The raw attribution headers.
    public var headers: [String: String]
    /// Surface → the program's own arguments a custom setup needs besides the environment (Codex's
    /// provider block as `-c` overrides); absent for surfaces that need none.
    public var arguments: [String: [String]]
    /// Surfaces configured through files (Vibe's home, Continue's config, …): `opub env <surface>`
    /// writes them by absolute path, since a page cannot.
    public var configuredByFiles: [String]

    enum CodingKeys: String, CodingKey {
        case environment, headers, arguments
        case setupCommands = "setup_commands"
        case configuredByFiles = "configured_by_files"
    }

    public init(
        repository: RepositoryName, keyID: KeyID, providerBaseURL: String, recommendedModels: [String: String],
        secret: String, server: String? = nil
    ) {
        setupCommands = LaunchTable.setupCommands(repository: repository, keyID: keyID, server: server)
        var environment: [String: [String: String]] = [:]
        var arguments: [String: [String]] = [:]
        var configuredByFiles: [String] = []
        for surface in Surface.allCases {
            let plan = LaunchTable.advancedPlan(
                for: surface, repository: repository, keyID: keyID, providerBaseURL: providerBaseURL,
                model: recommendedModels[surface.rawValue])
            environment[surface.rawValue] = Dictionary(
                plan.resolvedEnvironment(secret: secret).map { ($0.name, $0.value) }
            ) { $1 }
            if plan.files.isEmpty, !plan.arguments.isEmpty { arguments[surface.rawValue] = plan.arguments }
            if !plan.files.isEmpty { configuredByFiles.append(surface.rawValue) }
        }
        self.environment = environment
        self.arguments = arguments
        self.configuredByFiles = configuredByFiles
        headers = Dictionary(LaunchTable.rawHeaders(repository: repository).map { ($0.name, $0.value) }) { $1 }
    }
}
