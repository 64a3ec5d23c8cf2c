import OpubCore

/// An amount as the JSON API writes it: `{"usd":"0.012345","micros":12345}`.
public struct CLIAmount: Sendable, Hashable, Codable {
    public var usd: String
    public var micros: Int64

    public init(_ money: Money) {
        self.usd = money.usdString
        self.micros = money.micros
    }

    public var money: Money { Money(micros: micros) }
}
