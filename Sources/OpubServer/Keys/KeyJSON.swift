import OpubCore
import OpubStore
import OpubSurfaces

/// A compute key as its project's maintainers see it. Never the secret; the masked label only.
struct KeyJSON: Encodable {
    let id: String
    let name: String
    let state: String
    @NullEncoded var disabledReason: String?
    @NullEncoded var providerSync: String?
    let limit: AmountJSON
    let spent: AmountJSON
    let remaining: AmountJSON
    let reserved: AmountJSON
    @NullEncoded var label: String?
    @NullEncoded var expiresAt: String?
    let createdAt: String
    @NullEncoded var createdBy: String?
    @NullEncoded var disabledAt: String?
    @NullEncoded var lastSession: SessionSummaryJSON?
    /// The key this one replaced (made by a rotation), and the key that replaced this one (rotated).
    @NullEncoded var replaces: String?
    @NullEncoded var replacedBy: String?
    /// A monthly allowance key's allowance per UTC month, and when it renews; null for a one-off limit.
    @NullEncoded var allowance: AmountJSON?
    @NullEncoded var renewsOn: String?

    init(_ row: MaintainerKeyRow) {
        let key = row.key
        id = key.id.rawValue
        name = key.name
        state = key.state.status
        disabledReason = key.state.reason?.rawValue
        providerSync = key.state.providerSync?.rawValue
        limit = AmountJSON(key.limit)
        spent = AmountJSON(key.spent)
        remaining = AmountJSON(row.remaining)
        reserved = AmountJSON(key.reserved)
        label = key.providerLabel
        expiresAt = key.expiresAt?.iso8601
        createdAt = key.createdAt.iso8601
        createdBy = row.createdByLogin
        disabledAt = key.disabledAt?.iso8601
        lastSession = row.lastSession.map(SessionSummaryJSON.init)
        replaces = key.replaces?.rawValue
        replacedBy = key.replacedBy?.rawValue
        allowance = key.allowance.map(AmountJSON.init)
        renewsOn = key.allowance == nil ? nil : key.allowanceMonth?.renewsOn.iso8601
    }

    enum CodingKeys: String, CodingKey {
        case id, name, state, limit, spent, remaining, reserved, label
        case disabledReason = "disabled_reason"
        case providerSync = "provider_sync"
        case expiresAt = "expires_at"
        case createdAt = "created_at"
        case createdBy = "created_by"
        case disabledAt = "disabled_at"
        case lastSession = "last_session"
        case replaces, allowance
        case replacedBy = "replaced_by"
        case renewsOn = "renews_on"
    }
}

/// A session in the keys table: which surface ran and when.
struct SessionSummaryJSON: Encodable {
    let id: String
    let surface: String
    let startedAt: String
    @NullEncoded var endedAt: String?

    init(_ record: AgentSessionRecord) {
        id = record.id.rawValue
        surface = record.surface
        startedAt = record.startedAt.iso8601
        endedAt = record.endedAt?.iso8601
    }

    enum CodingKeys: String, CodingKey {
        case id, surface
        case startedAt = "started_at"
        case endedAt = "ended_at"
    }
}

/// The answer to creating a key: the only response that ever carries the secret.
struct CreatedKeyJSON: Encodable {
    let key: KeyJSON
    let secret: String
    let setupCommands: [String: String]
    let environment: [String: [String: String]]
    let headers: [String: String]
    let arguments: [String: [String]]
    let configuredByFiles: [String]
    let installCommand: String

    init(_ created: CreatedComputeKey, installCommand: String) {
        key = KeyJSON(MaintainerKeyRow(key: created.key, createdByLogin: nil, lastSession: nil))
        secret = created.secret
        setupCommands = created.configs.setupCommands
        environment = created.configs.environment
        headers = created.configs.headers
        arguments = created.configs.arguments
        configuredByFiles = created.configs.configuredByFiles
        self.installCommand = installCommand
    }

    enum CodingKeys: String, CodingKey {
        case key, secret, environment, headers, arguments
        case setupCommands = "setup_commands"
        case configuredByFiles = "configured_by_files"
        case installCommand = "install_command"
    }
}

/// The answer to a revoke.
struct RevokedJSON: Encodable {
    let key: String
    let state: String
    let message: String

    init(_ key: KeyID, _ outcome: RevokeOutcome) {
        self.key = key.rawValue
        state = "disabled"
        switch outcome {
        case .revoked:
            message = "Revoked. The key no longer works and its unspent reservation is back in the project's balance."
        case .revokedPendingProvider:
            message =
                "Revoked. opub will finish disabling the key at the provider as soon as it answers; its unspent "
                + "reservation returns to the project's balance then."
        }
    }
}
