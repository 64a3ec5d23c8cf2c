/// Every fault the simulator injects, settable at start (flags) and at run time (`/_sim/faults`).
public struct FaultSettings: Sendable, Hashable, Codable {
    public var rules: [FaultRule]
    /// Admit requests without the worst-case (402) check and charge their actual cost even past the
    /// limit, so a key can overshoot it by up to one request.
    public var overshoot: Bool
    /// Charges show on `/keys`, `/key` and `/credits` only this many seconds after they happen
    /// (enforcement still sees them at once).
    public var usageLagSeconds: Int
    /// `GET /generation` answers 404 for this many seconds after the request, as the real service may
    /// while its stats are being written.
    public var generationLagSeconds: Int
    /// Requests to models of these providers (slugs such as `anthropic`) are served through the
    /// account's own provider keys (BYOK): their cost goes to the key's `byok_usage`, not `usage`.
    public var byokProviders: [String]
    /// `GET /keys` answers pages of this many keys instead of 100 (the real service may answer a short
    /// page while more keys exist, so a client must page until an empty one).
    public var keysPageSize: Int?

    public init(
        rules: [FaultRule] = [], overshoot: Bool = false, usageLagSeconds: Int = 0, generationLagSeconds: Int = 0,
        byokProviders: [String] = [], keysPageSize: Int? = nil
    ) {
        self.keysPageSize = keysPageSize
        self.rules = rules
        self.overshoot = overshoot
        self.usageLagSeconds = usageLagSeconds
        self.generationLagSeconds = generationLagSeconds
        self.byokProviders = byokProviders
    }

    enum CodingKeys: String, CodingKey {
        case rules, overshoot
        case usageLagSeconds = "usage_lag_seconds"
        case generationLagSeconds = "generation_lag_seconds"
        case byokProviders = "byok_providers"
        case keysPageSize = "keys_page_size"
    }

    /// Every field is optional in a posted body.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        rules = try container.decodeIfPresent([FaultRule].self, forKey: .rules) ?? []
        overshoot = try container.decodeIfPresent(Bool.self, forKey: .overshoot) ?? false
        usageLagSeconds = try container.decodeIfPresent(Int.self, forKey: .usageLagSeconds) ?? 0
        generationLagSeconds = try container.decodeIfPresent(Int.self, forKey: .generationLagSeconds) ?? 0
        byokProviders = try container.decodeIfPresent([String].self, forKey: .byokProviders) ?? []
        keysPageSize = try container.decodeIfPresent(Int.self, forKey: .keysPageSize).map { max(1, min($0, 100)) }
    }
}

/// What the fault rules decided for one request.
struct FaultDecision: Sendable {
    enum Outcome: Sendable {
        case serve
        case error(status: Int, retryAfter: Int?)
        case hang(milliseconds: Int)
        case dropAfterCommit
    }

    var latencyMs = 0
    var outcome = Outcome.serve
}
