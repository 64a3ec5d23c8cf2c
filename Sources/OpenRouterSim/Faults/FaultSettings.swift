/// Every fault the simulator injects, settable at start (flags) and at run time (`/_sim/faults`).
public struct FaultSettings: Sendable, Hashable, Codable {
    public var rules: [FaultRule]
    /// Admit requests without the worst-case (402) check and charge their actual cost even past the
    /// limit, so a key can overshoot it by up to one request.
    public var overshoot: Bool
    /// Charges show on `/keys`, `/key` and `/credits` only this many seconds after they happen
    /// (enforcement still sees them at once).
    public var usageLagSeconds: Int

    public init(rules: [FaultRule] = [], overshoot: Bool = false, usageLagSeconds: Int = 0) {
        self.rules = rules
        self.overshoot = overshoot
        self.usageLagSeconds = usageLagSeconds
    }

    enum CodingKeys: String, CodingKey {
        case rules, overshoot
        case usageLagSeconds = "usage_lag_seconds"
    }

    /// Every field is optional in a posted body.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        rules = try container.decodeIfPresent([FaultRule].self, forKey: .rules) ?? []
        overshoot = try container.decodeIfPresent(Bool.self, forKey: .overshoot) ?? false
        usageLagSeconds = try container.decodeIfPresent(Int.self, forKey: .usageLagSeconds) ?? 0
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
