/// The answer to `GET /cli/keys/{ck}`: what the CLI needs to know about a key it holds.
public struct CLIKeyStatus: Sendable, Hashable, Codable {
    public struct Key: Sendable, Hashable, Codable {
        public var id: String
        public var name: String
        /// `provisioning`, `active` or `disabled`.
        public var state: String
        /// Why a disabled key is disabled (`revoked`, `balance_exhausted`, …).
        public var disabledReason: String?
        /// The dollar limit; nil when unlimited.
        public var limit: CLIAmount?
        public var spent: CLIAmount
        public var remaining: CLIAmount?
        /// For a rotated key: the key that replaced it.
        public var replacedBy: String?
        /// A monthly allowance key's allowance per UTC month, and when it renews (`YYYY-MM-DD`).
        public var allowance: CLIAmount?
        public var renewsOn: String?

        public init(
            id: String, name: String, state: String, disabledReason: String? = nil, limit: CLIAmount?,
            spent: CLIAmount, remaining: CLIAmount?, replacedBy: String? = nil, allowance: CLIAmount? = nil,
            renewsOn: String? = nil
        ) {
            self.replacedBy = replacedBy
            self.allowance = allowance
            self.renewsOn = renewsOn
            self.id = id
            self.name = name
            self.state = state
            self.disabledReason = disabledReason
            self.limit = limit
            self.spent = spent
            self.remaining = remaining
        }

        enum CodingKeys: String, CodingKey {
            case id, name, state, limit, spent, remaining
            case disabledReason = "disabled_reason"
            case replacedBy = "replaced_by"
            case allowance
            case renewsOn = "renews_on"
        }
    }

    public struct Project: Sendable, Hashable, Codable {
        /// `owner/repo`.
        public var fullName: String
        /// What the project's balance can still fund (balance − reserved).
        public var available: CLIAmount
        /// The project's public page.
        public var url: String?

        public init(fullName: String, available: CLIAmount, url: String? = nil) {
            self.fullName = fullName
            self.available = available
            self.url = url
        }

        enum CodingKeys: String, CodingKey {
            case available, url
            case fullName = "full_name"
        }
    }

    public var key: Key
    public var project: Project
    /// Surface name → model slug.
    public var recommendedModels: [String: String]
    public var heartbeatIntervalSeconds: Int
    /// The OpenRouter base URL this server's keys work against.
    public var providerURL: String

    public init(
        key: Key, project: Project, recommendedModels: [String: String], heartbeatIntervalSeconds: Int,
        providerURL: String
    ) {
        self.key = key
        self.project = project
        self.recommendedModels = recommendedModels
        self.heartbeatIntervalSeconds = heartbeatIntervalSeconds
        self.providerURL = providerURL
    }

    enum CodingKeys: String, CodingKey {
        case key, project
        case recommendedModels = "recommended_models"
        case heartbeatIntervalSeconds = "heartbeat_interval_seconds"
        case providerURL = "provider_url"
    }
}

extension CLIKeyStatus {
    /// What the CLI and the server say about a rotated key: which key replaced it and what to run.
    public static func rotatedMessage(key: String, replacedBy: String, project: String? = nil) -> String {
        let setup = "opub setup <agent> \(project.map { "--project \($0) " } ?? "")--compute-key-id \(replacedBy)"
        return "Key \(key) was rotated and replaced by \(replacedBy); it no longer works. Set the new key up with "
            + "the secret shown when it was rotated: \(setup)"
    }
}
