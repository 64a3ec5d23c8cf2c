import OpubCore
import SQLKit
import Synchronization

extension Store {
    /// The number of rows in one of opub's tables, for operators' checks and tests.
    public func rowCount(_ table: String) async throws -> Int {
        let known = [
            "users", "projects", "maintainers", "donations", "compute_keys", "ledger_transactions", "ledger_postings",
            "web_sessions", "oauth_attempts", "project_names", "stripe_events", "agent_sessions", "usage_records",
            "provider_guardrails", "form_tokens", "spend_days", "trace_usage", "key_alerts", "alert_deliveries",
        ]
        guard known.contains(table) else { throw StoreError.notFound("opub has no table '\(table)'.") }
        return try await engine.read { db in
            try await db.raw("SELECT COUNT(*) AS n FROM \(ident: table)").first()?.decode(column: "n", as: Int.self)
                ?? 0
        }
    }
}

extension Store {
    /// Reads rows for many keys, `read` called with at most 500 key ids at a time (a bound on the binds
    /// of one statement), one read each; the rows of all of them.
    func readEach(
        of keys: [KeyID], _ read: @escaping @Sendable (any SQLDatabase, [String]) async throws -> [any SQLRow]
    ) async throws -> [any SQLRow] {
        var rows: [any SQLRow] = []
        for chunk in keys.chunks(of: 500) {
            let ids = chunk.map(\.rawValue)
            rows += try await engine.read { db in try await read(db, ids) }
        }
        return rows
    }
}

extension SQLDatabase {
    /// The rows of `table` whose `id` is among `ids`, one statement per 500 ids; `suffix` ends each
    /// statement (PostgreSQL's row locks, say). `table` and `suffix` are the caller's constants, never input.
    func rows(of table: String, ids: [String], suffix: String = "") async throws -> [any SQLRow] {
        var rows: [any SQLRow] = []
        for chunk in ids.chunks(of: 500) {
            rows += try await raw(
                "SELECT * FROM \(unsafeRaw: table) WHERE id IN (\(binds: Array(chunk)))\(unsafeRaw: suffix)"
            ).all()
        }
        return rows
    }

    /// Runs `query` and decodes each row as it arrives, so that a read of many rows holds the decoded
    /// values only, never every raw row beside them (the reconcile cycle's read of every key: the rows
    /// of 10,000 keys are about 15 MiB that `.all()` would hold at once).
    func decodeEach<T: Sendable>(
        _ query: SQLQueryString, _ decode: @escaping @Sendable (any SQLRow) throws -> T
    ) async throws -> [T] {
        let decoded = Mutex<(values: [T], failure: (any Error)?)>(([], nil))
        try await raw(query).run { row in
            decoded.withLock { state in
                guard state.failure == nil else { return }
                do { state.values.append(try decode(row)) } catch { state.failure = error }
            }
        }
        return try decoded.withLock { state in
            if let failure = state.failure { throw failure }
            return state.values
        }
    }
}
