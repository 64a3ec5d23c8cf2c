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

    enum CodingKeys: String, CodingKey {
        case environment, headers
        case setupCommands = "setup_commands"
    }

    public init(
        repository: RepositoryName, keyID: KeyID, providerBaseURL: String, recommendedModels: [String: String],
        secret: String, server: String? = nil
    ) {
        setupCommands = LaunchTable.setupCommands(repository: repository, keyID: keyID, server: server)
        var environment: [String: [String: String]] = [:]
        for surface in Surface.allCases {
            let variables = LaunchTable.advancedEnvironment(
                for: surface, repository: repository, keyID: keyID, providerBaseURL: providerBaseURL,
                model: recommendedModels[surface.rawValue], secretPlaceholder: secret)
            environment[surface.rawValue] = Dictionary(variables.map { ($0.name, $0.value) }) { $1 }
        }
        self.environment = environment
        headers = Dictionary(LaunchTable.rawHeaders(repository: repository).map { ($0.name, $0.value) }) { $1 }
    }
}
