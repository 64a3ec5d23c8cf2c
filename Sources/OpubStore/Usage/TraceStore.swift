import OpubCore
import SQLKit

/// One request as the provider's trace reported it: what a generation cost and who made it. Holds no
/// content; the decoder never reads prompt or completion attributes into one.
public struct TraceUsage: Sendable, Hashable {
    /// Hex, as OTLP/HTTP JSON writes them.
    public var traceID: String
    public var spanID: String
    public var keyID: KeyID
    /// The `session_id` (or `x-session-id`) the request carried, as sent; it links spend only when it
    /// names an agent session of the same key.
    public var sessionID: String?
    /// The provider's generation id (`gen-…`), when the trace carries it.
    public var generationID: String?
    public var model: String
    public var providerName: String
    public var promptTokens: Int64
    public var completionTokens: Int64
    public var reasoningTokens: Int64
    public var cost: Money
    public var occurredAt: Timestamp

    public init(
        traceID: String, spanID: String, keyID: KeyID, sessionID: String?, generationID: String?, model: String,
        providerName: String, promptTokens: Int64, completionTokens: Int64, reasoningTokens: Int64, cost: Money,
        occurredAt: Timestamp
    ) {
        self.traceID = traceID
        self.spanID = spanID
        self.keyID = keyID
        self.sessionID = sessionID
        self.generationID = generationID
        self.model = model
        self.providerName = providerName
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.reasoningTokens = reasoningTokens
        self.cost = cost
        self.occurredAt = occurredAt
    }
}

/// A stored trace as pages and the JSON API show it.
public struct TraceRecord: Sendable, Hashable {
    public let usage: TraceUsage
    public let keyName: String
    public let projectID: ProjectID
    /// The session the request's session id names, when it is an agent session of the same key.
    public let linkedSession: SessionID?
    /// True once the reconciler has posted the key's spend at or after the request's time: the
    /// ledger's provider-reported spend covers it. Until then the row is "from provider traces" only.
    public let settled: Bool
    public let receivedAt: Timestamp

    init(row: any SQLRow) throws {
        let keyText = try row.decode(column: "key_id", as: String.self)
        guard let key = KeyID(keyText), let project = ProjectID(try row.decode(column: "project_id", as: String.self))
        else { throw StoreError.corrupt("trace of '\(keyText)' has a malformed key or project") }
        let occurred = try row.decode(column: "occurred_at", as: Int64.self)
        usage = TraceUsage(
            traceID: try row.decode(column: "trace_id", as: String.self),
            spanID: try row.decode(column: "span_id", as: String.self), keyID: key,
            sessionID: try row.decode(column: "session_id", as: String?.self),
            generationID: try row.decode(column: "generation_id", as: String?.self),
            model: try row.decode(column: "model", as: String.self),
            providerName: try row.decode(column: "provider_name", as: String.self),
            promptTokens: try row.decode(column: "prompt_tokens", as: Int64.self),
            completionTokens: try row.decode(column: "completion_tokens", as: Int64.self),
            reasoningTokens: try row.decode(column: "reasoning_tokens", as: Int64.self),
            cost: Money(micros: try row.decode(column: "cost_micros", as: Int64.self)),
            occurredAt: Timestamp(microsSinceEpoch: occurred))
        keyName = try row.decode(column: "key_name", as: String.self)
        projectID = project
        linkedSession = try row.decode(column: "linked_session", as: String?.self).flatMap(SessionID.init)
        settled = (try row.decode(column: "usage_read_at", as: Int64?.self)).map { $0 >= occurred } ?? false
        receivedAt = Timestamp(microsSinceEpoch: try row.decode(column: "received_at", as: Int64.self))
    }
}

/// A position in a project's traces, newest first.
public struct TraceCursor: Sendable, Hashable {
    public let occurredAt: Int64
    public let traceID: String
    public let spanID: String

    public var encoded: String {
        "t" + Base64URL.encode(Array("\(occurredAt)\n\(traceID)\n\(spanID)".utf8))
    }

    public init(decoding text: String) throws(StoreError) {
        let parts =
            text.first == "t"
            ? Base64URL.decode(String(text.dropFirst())).map { String(decoding: $0, as: UTF8.self) }?.split(
                separator: "\n", omittingEmptySubsequences: false) : nil
        guard let parts, parts.count == 3, let occurred = Int64(parts[0]) else {
            throw StoreError.notFound("The cursor '\(text)' is not one this server issued; start from the first page.")
        }
        occurredAt = occurred
        traceID = String(parts[1])
        spanID = String(parts[2])
    }

    init(_ record: TraceRecord) {
        occurredAt = record.usage.occurredAt.microsSinceEpoch
        traceID = record.usage.traceID
        spanID = record.usage.spanID
    }
}

/// What the provider's traces said a key spent on one UTC day.
public struct TraceDayTotal: Sendable, Hashable {
    public let requests: Int64
    public let cost: Money
}

/// Per-request usage from the provider's traces. Not money — the ledger is, from the provider's usage
/// counters — but the per-request explanation of it, seconds after the request, and exact session
/// linking (``LinkedSpend``).
public struct TraceStore: Sendable {
    let store: Store

    /// Rows per multi-row insert: 13 binds each, well inside both engines' bind limits.
    static let rowsPerStatement = 200

    /// Stores `usages` in one transaction. Spans of keys this server does not know are skipped; a span
    /// already stored (same trace and span id) is left as it is, so a redelivery changes nothing.
    /// Returns how many rows were new.
    @discardableResult
    public func ingest(_ usages: [TraceUsage]) async throws -> Int {
        guard !usages.isEmpty else { return 0 }
        let now = store.clock.now().microsSinceEpoch
        return try await store.engine.write { db in
            var stored = 0
            for chunk in usages.chunks(of: Self.rowsPerStatement) {
                var values: [SQLQueryString] = []
                for u in chunk {
                    values.append(
                        """
                        (\(bind: u.traceID), \(bind: u.spanID), \(bind: u.keyID.rawValue), \(bind: u.sessionID),
                        \(bind: u.generationID), \(bind: u.model), \(bind: u.providerName), \(bind: u.promptTokens),
                        \(bind: u.completionTokens), \(bind: u.reasoningTokens), \(bind: u.cost.micros),
                        \(bind: u.occurredAt.microsSinceEpoch), \(bind: now))
                        """)
                }
                let rows = try await db.raw(
                    """
                    INSERT INTO trace_usage (trace_id, span_id, key_id, session_id, generation_id, model,
                        provider_name, prompt_tokens, completion_tokens, reasoning_tokens, cost_micros, occurred_at,
                        received_at, project_id)
                    SELECT v.column1, v.column2, v.column3, v.column4, v.column5, v.column6, v.column7, v.column8,
                        v.column9, v.column10, v.column11, v.column12, v.column13, k.project_id
                    FROM (VALUES \(values.joined(separator: ", "))) AS v
                    JOIN compute_keys k ON k.id = v.column3
                    WHERE true
                    ON CONFLICT (trace_id, span_id) DO NOTHING
                    RETURNING trace_id
                    """
                ).all()
                stored += rows.count
            }
            return stored
        }
    }

    /// A project's traces, newest first.
    public func page(
        of project: ProjectID, cursor: TraceCursor? = nil, limit: Int = 50
    ) async throws -> Page<
        TraceRecord
    > {
        let limit = min(max(limit, 1), 100)
        return try await store.engine.read { db in
            var sql: SQLQueryString = """
                SELECT t.*, k.name AS key_name, k.usage_read_at, s.id AS linked_session
                FROM trace_usage t JOIN compute_keys k ON k.id = t.key_id
                LEFT JOIN agent_sessions s ON s.id = t.session_id AND s.key_id = t.key_id
                WHERE t.project_id = \(bind: project.rawValue)
                """
            if let c = cursor {
                sql =
                    sql
                        + """
                         AND (t.occurred_at < \(bind: c.occurredAt) OR (t.occurred_at = \(bind: c.occurredAt)
                            AND (t.trace_id < \(bind: c.traceID) OR (t.trace_id = \(bind: c.traceID) AND t.span_id < \(bind: c.spanID)))))
                        """
            }
            sql = sql + " ORDER BY t.occurred_at DESC, t.trace_id DESC, t.span_id DESC LIMIT \(bind: limit + 1)"
            let rows = try await db.raw(sql).all()
            let items = try rows.prefix(limit).map(TraceRecord.init)
            let next = rows.count > limit ? items.last.map { TraceCursor($0).encoded } : nil
            return Page(items: items, nextCursor: next)
        }
    }

    /// What the traces said `key` spent on `day` (`YYYY-MM-DD`, UTC).
    public func total(of key: KeyID, on day: String) async throws -> TraceDayTotal {
        guard let date = CivilDate.parse(day) else { return TraceDayTotal(requests: 0, cost: .zero) }
        let from = date.start.microsSinceEpoch
        let to = from + 86_400_000_000
        return try await store.engine.read { db in
            let row = try await db.raw(
                """
                SELECT COUNT(*) AS n, CAST(COALESCE(SUM(cost_micros), 0) AS BIGINT) AS cost FROM trace_usage
                WHERE key_id = \(bind: key.rawValue) AND occurred_at >= \(bind: from) AND occurred_at < \(bind: to)
                """
            ).first()
            return TraceDayTotal(
                requests: try row?.decode(column: "n", as: Int64.self) ?? 0,
                cost: Money(micros: try row?.decode(column: "cost", as: Int64.self) ?? 0))
        }
    }
}

extension Store {
    public var traces: TraceStore { TraceStore(store: self) }
}
