import OpubCore

/// The body of `PATCH /keys/{hash}`. Fields left nil are not sent and stay as they are.
public struct UpdateKeyRequest: Sendable, Hashable, Encodable {
    /// What to do with a key's limit: keep it, set it, or remove it (explicit JSON `null`: unlimited).
    public enum LimitChange: Sendable, Hashable {
        case set(Money)
        case remove
    }

    /// What to do with a key's reset window: set one, or remove it (explicit `null`: an absolute cap).
    public enum ResetChange: Sendable, Hashable {
        case set(KeyLimitReset)
        case remove
    }

    public var name: String?
    public var disabled: Bool?
    public var limit: LimitChange?
    public var limitReset: ResetChange?
    public var includeBYOKInLimit: Bool?

    public init(
        name: String? = nil, disabled: Bool? = nil, limit: LimitChange? = nil, limitReset: ResetChange? = nil,
        includeBYOKInLimit: Bool? = nil
    ) {
        self.name = name
        self.disabled = disabled
        self.limit = limit
        self.limitReset = limitReset
        self.includeBYOKInLimit = includeBYOKInLimit
    }

    enum CodingKeys: String, CodingKey {
        case name, disabled, limit
        case limitReset = "limit_reset"
        case includeBYOKInLimit = "include_byok_in_limit"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(name, forKey: .name)
        try container.encodeIfPresent(disabled, forKey: .disabled)
        switch limit {
        case .set(let money): try container.encodeUSD(money, forKey: .limit)
        case .remove: try container.encodeNil(forKey: .limit)
        case nil: break
        }
        switch limitReset {
        case .set(let reset): try container.encode(reset, forKey: .limitReset)
        case .remove: try container.encodeNil(forKey: .limitReset)
        case nil: break
        }
        try container.encodeIfPresent(includeBYOKInLimit, forKey: .includeBYOKInLimit)
    }
}
