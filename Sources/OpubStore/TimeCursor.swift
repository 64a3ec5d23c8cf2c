import OpubCore

/// A position in a newest-first list ordered by a time and an id.
public struct TimeCursor: Sendable, Hashable {
    public let time: Int64
    public let id: String
    let prefix: Character

    public var encoded: String { "\(prefix)\(time).\(id)" }

    init(prefix: Character, time: Int64, id: String) {
        self.prefix = prefix
        self.time = time
        self.id = id
    }

    /// Parses a cursor issued with `prefix`; `validID` checks the id part.
    init(decoding text: String, prefix: Character, validID: (String) -> Bool) throws(StoreError) {
        let parts = text.dropFirst().split(separator: ".", omittingEmptySubsequences: false)
        guard text.first == prefix, parts.count == 2, let time = Int64(parts[0]), validID(String(parts[1])) else {
            throw StoreError.notFound("The cursor '\(text)' is not one this server issued; start from the first page.")
        }
        self.init(prefix: prefix, time: time, id: String(parts[1]))
    }

    /// A cursor over agent sessions.
    public static func sessions(decoding text: String) throws(StoreError) -> TimeCursor {
        try TimeCursor(decoding: text, prefix: "s") { SessionID($0) != nil }
    }

    /// A cursor over donations.
    public static func donations(decoding text: String) throws(StoreError) -> TimeCursor {
        try TimeCursor(decoding: text, prefix: "d") { DonationID($0) != nil }
    }

    static func donation(time: Int64, id: DonationID) -> TimeCursor {
        TimeCursor(prefix: "d", time: time, id: id.rawValue)
    }
}
