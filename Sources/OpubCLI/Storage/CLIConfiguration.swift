/// `config.toml`: non-secret settings, the keys this machine holds, and repository bindings.
public struct CLIConfiguration: Sendable, Hashable, Codable {
    /// The opub server (overridden by `--server` / `OPUB_SERVER`).
    public var server: String?
    /// A provider URL override (overridden by `--provider-url` / `OPUB_PROVIDER_URL`).
    public var providerURL: String?
    /// Keys by id (`ck_…`).
    public var keys: [String: StoredKey]
    public var bindings: [RepositoryBinding]

    public init(
        server: String? = nil, providerURL: String? = nil, keys: [String: StoredKey] = [:],
        bindings: [RepositoryBinding] = []
    ) {
        self.server = server
        self.providerURL = providerURL
        self.keys = keys
        self.bindings = bindings
    }

    enum CodingKeys: String, CodingKey {
        case server, keys, bindings
        case providerURL = "provider_url"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        server = try container.decodeIfPresent(String.self, forKey: .server)
        providerURL = try container.decodeIfPresent(String.self, forKey: .providerURL)
        keys = try container.decodeIfPresent([String: StoredKey].self, forKey: .keys) ?? [:]
        bindings = try container.decodeIfPresent([RepositoryBinding].self, forKey: .bindings) ?? []
    }

    /// The binding of the repository at `root`.
    public func binding(forRoot root: String) -> RepositoryBinding? {
        bindings.first { $0.root == root }
    }
}

/// What opub remembers about a key, besides its secret.
public struct StoredKey: Sendable, Hashable, Codable {
    /// `owner/repo`.
    public var project: String
    public var name: String?
    /// The masked secret (`sk-or-v1-0e6...1c96`).
    public var label: String
    /// `file` or `keyring`.
    public var store: String
    /// The server the key was set up with.
    public var server: String
    /// The provider URL the server advertised (already checked: https or loopback).
    public var providerURL: String?
    public var heartbeatIntervalSeconds: Int?
    /// Recommended models by surface, as the server said at setup or at the last `status`.
    public var models: [String: String]?
    /// Surface versions seen by `setup` (sent with sessions).
    public var surfaceVersions: [String: String]?

    public init(
        project: String, name: String?, label: String, store: String, server: String, providerURL: String?,
        heartbeatIntervalSeconds: Int?, models: [String: String]?, surfaceVersions: [String: String]? = nil
    ) {
        self.project = project
        self.name = name
        self.label = label
        self.store = store
        self.server = server
        self.providerURL = providerURL
        self.heartbeatIntervalSeconds = heartbeatIntervalSeconds
        self.models = models
        self.surfaceVersions = surfaceVersions
    }

    enum CodingKeys: String, CodingKey {
        case project, name, label, store, server, models
        case providerURL = "provider_url"
        case heartbeatIntervalSeconds = "heartbeat_interval_seconds"
        case surfaceVersions = "surface_versions"
    }
}

/// A repository checkout bound to a key: `opub run` in it uses that key.
public struct RepositoryBinding: Sendable, Hashable, Codable {
    /// The work tree's root directory.
    public var root: String
    /// The `origin` remote URL at setup, if any.
    public var remote: String?
    public var key: String

    public init(root: String, remote: String?, key: String) {
        self.root = root
        self.remote = remote
        self.key = key
    }
}
