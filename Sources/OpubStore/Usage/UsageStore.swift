import OpubCore
import SQLKit

/// One row of the provider's usage detail for a key: a UTC day, a model and the provider that served it.
public struct UsageReading: Sendable, Hashable {
    public var date: String
    public var model: String
    public var providerName: String
    public var requests: Int64
    public var promptTokens: Int64
    public var completionTokens: Int64
    public var reasoningTokens: Int64
    public var cost: Money

    public init(
        date: String, model: String, providerName: String, requests: Int64, promptTokens: Int64,
        completionTokens: Int64, reasoningTokens: Int64, cost: Money
    ) {
        self.date = date
        self.model = model
        self.providerName = providerName
        self.requests = requests
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.reasoningTokens = reasoningTokens
        self.cost = cost
    }

    /// Readings summed per day, model and provider: the provider reports one row per model *endpoint*,
    /// so one model can come in several rows a day, and usage records are kept per model and provider.
    public static func merged(_ readings: [UsageReading]) -> [UsageReading] {
        var sums: [String: UsageReading] = [:]
        var order: [String] = []
        for reading in readings {
            let id = "\(reading.date)|\(reading.model)|\(reading.providerName)"
            guard var sum = sums[id] else {
                sums[id] = reading
                order.append(id)
                continue
            }
            sum.requests += reading.requests
            sum.promptTokens += reading.promptTokens
            sum.completionTokens += reading.completionTokens
            sum.reasoningTokens += reading.reasoningTokens
            sum.cost = sum.cost + reading.cost
            sums[id] = sum
        }
        return order.compactMap { sums[$0] }
    }
}

/// A usage record as the public sees it: what a key spent on a model on a day, and whether that
/// spend was linked.
public struct UsageRecord: Sendable, Hashable {
    public let keyID: KeyID
    public let keyName: String
    public let projectID: ProjectID
    public let reading: UsageReading
    /// True when spend of this key recorded that day carries a linked session (``LinkedSpend``).
    public let isLinked: Bool
    /// The linked session of the day's latest linked spend.
    public let sessionID: SessionID?
    public let updatedAt: Timestamp

    init(row: any SQLRow) throws {
        let keyText = try row.decode(column: "key_id", as: String.self)
        guard let key = KeyID(keyText), let project = ProjectID(try row.decode(column: "project_id", as: String.self))
        else { throw StoreError.corrupt("usage record of '\(keyText)' has a malformed key or project") }
        keyID = key
        projectID = project
        keyName = try row.decode(column: "key_name", as: String.self)
        reading = UsageReading(
            date: try row.decode(column: "usage_date", as: String.self),
            model: try row.decode(column: "model", as: String.self),
            providerName: try row.decode(column: "provider_name", as: String.self),
            requests: try row.decode(column: "requests", as: Int64.self),
            promptTokens: try row.decode(column: "prompt_tokens", as: Int64.self),
            completionTokens: try row.decode(column: "completion_tokens", as: Int64.self),
            reasoningTokens: try row.decode(column: "reasoning_tokens", as: Int64.self),
            cost: Money(micros: try row.decode(column: "cost_micros", as: Int64.self)))
        isLinked = try row.decode(column: "is_linked", as: Int64.self) != 0
        sessionID = try row.decode(column: "session_id", as: String?.self).flatMap(SessionID.init)
        updatedAt = Timestamp(microsSinceEpoch: try row.decode(column: "updated_at", as: Int64.self))
    }
}

/// A position in a project's usage records, newest day first.
public struct UsageCursor: Sendable, Hashable {
    public let date: String
    public let key: String
    public let model: String
    public let provider: String

    public var encoded: String {
        "u" + Base64URL.encode(Array([date, key, model, provider].joined(separator: "\n").utf8))
    }

    public init(decoding text: String) throws(StoreError) {
        let parts =
            text.first == "u"
            ? Base64URL.decode(String(text.dropFirst())).map { String(decoding: $0, as: UTF8.self) }?.split(
                separator: "\n", omittingEmptySubsequences: false) : nil
        guard let parts, parts.count == 4 else {
            throw StoreError.notFound("The cursor '\(text)' is not one this server issued; start from the first page.")
        }
        date = String(parts[0])
        key = String(parts[1])
        model = String(parts[2])
        provider = String(parts[3])
    }

    init(_ record: UsageRecord) {
        date = record.reading.date
        key = record.keyID.rawValue
        model = record.reading.model
        provider = record.reading.providerName
    }
}

/// Spend detail: per key, model and day, from the provider's `/activity`. Not money — the ledger is —
/// but the public breakdown of it. Rows are replaced by newer readings of the same day.
public struct UsageStore: Sendable {
    let store: Store

    /// Stores `readings` of `key` (replacing what was known for the same day, model and provider) and
    /// marks each day linked when the key's spend recorded that day carries a linked session.
    public func record(_ readings: [UsageReading], for key: ComputeKeyRecord) async throws {
        guard !readings.isEmpty else { return }
        let now = store.clock.now().microsSinceEpoch
        let earliest = readings.map(\.date).min() ?? ""
        try await store.engine.write { db in
            var linkedByDay: [String: String] = [:]
            let since = CivilDate.parse(earliest)?.start.microsSinceEpoch ?? 0
            for row in try await db.raw(
                """
                SELECT session_id, created_at FROM ledger_transactions
                WHERE key_id = \(bind: key.id.rawValue) AND kind = 'spend' AND session_id IS NOT NULL
                AND created_at >= \(bind: since) ORDER BY sequence
                """
            ).all() {
                let day = Timestamp(microsSinceEpoch: try row.decode(column: "created_at", as: Int64.self)).civilDate
                linkedByDay[day.iso8601] = try row.decode(column: "session_id", as: String.self)
            }
            for reading in readings {
                let session = linkedByDay[reading.date]
                try await db.raw(
                    """
                    INSERT INTO usage_records (key_id, project_id, usage_date, model, provider_name, requests,
                        prompt_tokens, completion_tokens, reasoning_tokens, cost_micros, is_linked, session_id, updated_at)
                    VALUES (\(bind: key.id.rawValue), \(bind: key.projectID.rawValue), \(bind: reading.date),
                        \(bind: reading.model), \(bind: reading.providerName), \(bind: reading.requests),
                        \(bind: reading.promptTokens), \(bind: reading.completionTokens), \(bind: reading.reasoningTokens),
                        \(bind: reading.cost.micros), \(bind: session == nil ? 0 : 1), \(bind: session), \(bind: now))
                    ON CONFLICT (key_id, usage_date, model, provider_name) DO UPDATE SET
                        requests = excluded.requests, prompt_tokens = excluded.prompt_tokens,
                        completion_tokens = excluded.completion_tokens, reasoning_tokens = excluded.reasoning_tokens,
                        cost_micros = excluded.cost_micros, is_linked = excluded.is_linked,
                        session_id = excluded.session_id, updated_at = excluded.updated_at
                    """
                ).run()
            }
        }
    }

    /// The models and providers `key` used on days before `day` (`YYYY-MM-DD`).
    public func usedBefore(_ day: String, by key: KeyID) async throws -> (models: Set<String>, providers: Set<String>) {
        try await store.engine.read { db in
            let rows = try await db.raw(
                """
                SELECT DISTINCT model, provider_name FROM usage_records
                WHERE key_id = \(bind: key.rawValue) AND usage_date < \(bind: day)
                """
            ).all()
            var models: Set<String> = []
            var providers: Set<String> = []
            for row in rows {
                models.insert(try row.decode(column: "model", as: String.self))
                let provider = try row.decode(column: "provider_name", as: String.self)
                if !provider.isEmpty { providers.insert(provider) }
            }
            return (models, providers)
        }
    }

    /// A project's usage records, newest day first.
    public func page(
        of project: ProjectID, cursor: UsageCursor? = nil, limit: Int = 50
    ) async throws -> Page<
        UsageRecord
    > {
        let limit = min(max(limit, 1), 100)
        return try await store.engine.read { db in
            var sql: SQLQueryString = """
                SELECT u.*, k.name AS key_name FROM usage_records u JOIN compute_keys k ON k.id = u.key_id
                WHERE u.project_id = \(bind: project.rawValue)
                """
            if let c = cursor {
                sql =
                    sql
                        + """
                         AND (u.usage_date < \(bind: c.date) OR (u.usage_date = \(bind: c.date) AND (u.key_id > \(bind: c.key)
                            OR (u.key_id = \(bind: c.key) AND (u.model > \(bind: c.model)
                            OR (u.model = \(bind: c.model) AND u.provider_name > \(bind: c.provider)))))))
                        """
            }
            sql = sql + " ORDER BY u.usage_date DESC, u.key_id, u.model, u.provider_name LIMIT \(bind: limit + 1)"
            let rows = try await db.raw(sql).all()
            let items = try rows.prefix(limit).map(UsageRecord.init)
            let next = rows.count > limit ? items.last.map { UsageCursor($0).encoded } : nil
            return Page(items: items, nextCursor: next)
        }
    }
}

extension CivilDate {
    /// Parses `YYYY-MM-DD`.
    public static func parse(_ text: String) -> CivilDate? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let year = Int64(parts[0]), let month = Int64(parts[1]), let day = Int64(parts[2]),
            (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        let date = CivilDate(year: year, month: month, day: day)
        return date.month == month && date.day == day ? date : nil
    }
}

extension Store {
    public var usage: UsageStore { UsageStore(store: self) }
}
