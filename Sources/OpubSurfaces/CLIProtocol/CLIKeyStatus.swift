import OpubCore

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
        /// Alerts on this key from the last 7 days, newest first (one sentence each).
        public var alerts: [String]?
        /// What the key spent while none of its opub sessions ran, since its last session ended.
        public var directUseSinceLastSession: CLIAmount?

        public init(
            id: String, name: String, state: String, disabledReason: String? = nil, limit: CLIAmount?,
            spent: CLIAmount, remaining: CLIAmount?, replacedBy: String? = nil, allowance: CLIAmount? = nil,
            renewsOn: String? = nil, alerts: [String]? = nil, directUseSinceLastSession: CLIAmount? = nil
        ) {
            self.alerts = alerts
            self.directUseSinceLastSession = directUseSinceLastSession
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
            case alerts
            case directUseSinceLastSession = "direct_use_since_last_session"
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

/// The answer to `PUT /cli/sessions/{ls}`: lines the CLI prints once the session is linked.
public struct CLISessionStarted: Sendable, Hashable, Codable {
    public var notices: [String]

    public init(notices: [String]) { self.notices = notices }

    /// "$0.42 spent outside opub sessions since your last session", or nil when nothing was.
    public static func directUseNotice(_ amount: CLIAmount?) -> String? {
        guard let amount, amount.money.isPositive else { return nil }
        return "\(amount.money.formattedPrecise()) spent outside opub sessions since your last session "
            + "(see opub status; revoke the key if that was not you)"
    }
}
