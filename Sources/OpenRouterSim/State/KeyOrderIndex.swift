/// Keys in creation order, twice: all keys, and enabled keys only. A page of `GET /keys` (newest first,
/// with or without disabled keys) is a slice, so listing costs O(page) however many keys exist.
/// Inserts append; deletes and enable/disable find their place by binary search.
struct KeyOrderIndex: Sendable {
    struct Entry: Sendable, Hashable {
        var sequence: Int
        var hash: String
    }

    private(set) var all: [Entry] = []
    private(set) var enabled: [Entry] = []

    mutating func append(_ entry: Entry, enabled isEnabled: Bool) {
        precondition(all.last.map { $0.sequence < entry.sequence } ?? true, "keys are indexed in creation order")
        all.append(entry)
        if isEnabled { enabled.append(entry) }
    }

    mutating func remove(_ entry: Entry) {
        Self.remove(entry, from: &all)
        Self.remove(entry, from: &enabled)
    }

    mutating func setEnabled(_ entry: Entry, _ isEnabled: Bool) {
        let position = Self.position(of: entry.sequence, in: enabled)
        let present = position < enabled.count && enabled[position].sequence == entry.sequence
        if isEnabled, !present { enabled.insert(entry, at: position) }
        if !isEnabled, present { enabled.remove(at: position) }
    }

    /// Hashes of up to `limit` keys, newest first, skipping the `offset` newest.
    func page(offset: Int, limit: Int, includeDisabled: Bool) -> [String] {
        let list = includeDisabled ? all : enabled
        guard offset < list.count else { return [] }
        let end = list.count - offset
        let start = max(0, end - limit)
        return list[start..<end].reversed().map(\.hash)
    }

    /// The same page among the keys `isListed` admits (expired keys hidden, another workspace's keys):
    /// a walk from the newest, O(offset + page).
    func page(offset: Int, limit: Int, includeDisabled: Bool, where isListed: (String) -> Bool) -> [String] {
        let list = includeDisabled ? all : enabled
        var skipped = 0
        var hashes: [String] = []
        for entry in list.reversed() where isListed(entry.hash) {
            if skipped < offset {
                skipped += 1
                continue
            }
            hashes.append(entry.hash)
            if hashes.count == limit { break }
        }
        return hashes
    }

    var count: Int { all.count }

    private static func remove(_ entry: Entry, from list: inout [Entry]) {
        let position = position(of: entry.sequence, in: list)
        if position < list.count, list[position].sequence == entry.sequence { list.remove(at: position) }
    }

    /// The first index whose sequence is ≥ `sequence`.
    private static func position(of sequence: Int, in list: [Entry]) -> Int {
        var low = 0
        var high = list.count
        while low < high {
            let middle = (low + high) / 2
            if list[middle].sequence < sequence { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
