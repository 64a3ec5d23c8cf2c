import OpubCore

/// The account's prepaid credits and what all its keys have used (`GET /credits`).
public struct AccountCredits: Sendable, Hashable, Decodable {
    public var totalCredits: Money
    public var totalUsage: Money

    enum CodingKeys: String, CodingKey {
        case totalCredits = "total_credits"
        case totalUsage = "total_usage"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        totalCredits = try container.decodeUSD(forKey: .totalCredits)
        totalUsage = try container.decodeUSD(forKey: .totalUsage)
    }
}
