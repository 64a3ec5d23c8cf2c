/// How often a key's limit starts over. Windows begin at 00:00 UTC; weeks begin on Monday.
public enum KeyLimitReset: String, Sendable, Hashable, Codable, CaseIterable {
    case daily
    case weekly
    case monthly
}
