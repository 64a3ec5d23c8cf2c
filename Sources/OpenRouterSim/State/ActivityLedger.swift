import OpubCore

/// Spend aggregated per key, UTC day, model and model endpoint: the data behind `GET /activity`.
struct ActivityLedger: Sendable, Codable {
    struct Row: Sendable, Codable {
        var keyHash: String
        var day: Int64
        var model: String
        /// Which of the model's endpoints served the requests (0 or 1); absent in older state files.
        var endpoint: Int?
        var usage = NanoUSD.zero
        /// Spend through the account's own provider keys; absent in older state files.
        var byokUsage: NanoUSD?
        var requests = 0
        var promptTokens = 0
        var completionTokens = 0
    }

    private(set) var rows: [String: Row] = [:]

    /// Which endpoint serves a key's next request to `model` on `time`'s day: the two alternate, so a
    /// model used twice in a day has two rows.
    func nextEndpoint(keyHash: String, model: String, at time: Timestamp) -> Int {
        let day = UsageWindow.day(time)
        let served = (0..<2).reduce(0) { $0 + (rows["\(keyHash)|\(day)|\(model)|\($1)"]?.requests ?? 0) }
        return served % 2
    }

    mutating func record(
        keyHash: String, model: String, endpoint: Int = 0, at time: Timestamp, cost: NanoUSD, byok: Bool = false,
        promptTokens: Int, completionTokens: Int
    ) {
        let day = UsageWindow.day(time)
        let id = "\(keyHash)|\(day)|\(model)|\(endpoint)"
        var row = rows[id] ?? Row(keyHash: keyHash, day: day, model: model, endpoint: endpoint)
        if byok {
            row.byokUsage = (row.byokUsage ?? .zero) + cost
        } else {
            row.usage += cost
        }
        row.requests += 1
        row.promptTokens += promptTokens
        row.completionTokens += completionTokens
        rows[id] = row
    }

    /// Rows of the last 30 completed days (today left out), newest day first, then by model and
    /// endpoint; summed over keys unless one key is asked for.
    func report(today: Int64, day: Int64?, keyHash: String?, includeKey: (String) -> Bool) -> [Row] {
        var merged: [String: Row] = [:]
        for row in rows.values where row.day >= today - 30 && row.day < today {
            if let day, row.day != day { continue }
            if let keyHash, row.keyHash != keyHash { continue }
            if !includeKey(row.keyHash) { continue }
            let id = "\(row.day)|\(row.model)|\(row.endpoint ?? 0)"
            var sum = merged[id] ?? Row(keyHash: keyHash ?? "", day: row.day, model: row.model, endpoint: row.endpoint)
            sum.usage += row.usage
            if let byok = row.byokUsage { sum.byokUsage = (sum.byokUsage ?? .zero) + byok }
            sum.requests += row.requests
            sum.promptTokens += row.promptTokens
            sum.completionTokens += row.completionTokens
            merged[id] = sum
        }
        return merged.values.sorted {
            ($0.day, $1.model, $1.endpoint ?? 0) > ($1.day, $0.model, $0.endpoint ?? 0)
        }
    }

    static func dateText(_ day: Int64) -> String {
        let civil = CivilDate(daysSinceEpoch: day)
        func pad(_ value: Int64, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(civil.year, 4))-\(pad(civil.month, 2))-\(pad(civil.day, 2))"
    }

    /// Parses `YYYY-MM-DD` (a longer ISO timestamp is cut to its date) into a day number.
    static func day(fromDateText text: String) -> Int64? {
        let parts = text.prefix(10).split(separator: "-")
        guard parts.count == 3, let year = Int64(parts[0]), let month = Int64(parts[1]), let day = Int64(parts[2]),
            (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        return CivilDate(year: year, month: month, day: day).daysSinceEpoch
    }
}
