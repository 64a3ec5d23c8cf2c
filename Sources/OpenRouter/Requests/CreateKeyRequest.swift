import OpubCore

/// The body of `POST /keys`.
public struct CreateKeyRequest: Sendable, Hashable, Encodable {
    /// Required and non-empty. opub names its keys `opub:{ck_id}`.
    public var name: String
    /// The spending cap; nil creates an unlimited key.
    public var limit: Money?
    public var limitReset: KeyLimitReset?
    public var includeBYOKInLimit: Bool?
    /// Sent in UTC (`…Z`); the provider refuses other zones.
    public var expiresAt: Timestamp?
    /// The workspace to create the key in; the client fills in its configured one when nil.
    public var workspaceID: String?

    public init(
        name: String, limit: Money? = nil, limitReset: KeyLimitReset? = nil, includeBYOKInLimit: Bool? = nil,
        expiresAt: Timestamp? = nil
    ) {
        self.name = name
        self.limit = limit
        self.limitReset = limitReset
        self.includeBYOKInLimit = includeBYOKInLimit
        self.expiresAt = expiresAt
    }

    enum CodingKeys: String, CodingKey {
        case name, limit
        case limitReset = "limit_reset"
        case includeBYOKInLimit = "include_byok_in_limit"
        case expiresAt = "expires_at"
        case workspaceID = "workspace_id"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        if let limit { try container.encodeUSD(limit, forKey: .limit) }
        try container.encodeIfPresent(limitReset, forKey: .limitReset)
        try container.encodeIfPresent(includeBYOKInLimit, forKey: .includeBYOKInLimit)
        if let expiresAt { try container.encode(ProviderTimestamp.formatZulu(expiresAt), forKey: .expiresAt) }
        try container.encodeIfPresent(workspaceID, forKey: .workspaceID)
    }
}
