import SQLKit

extension Migration {
    /// One-time form tokens of the web pages: the key creation form carries one, so that a reload or a
    /// second submit of the same form (the browser re-posts it) cannot create a second key or show a secret
    /// again. `key_id` names the key the form created, for the page that says so.
    static let webFormTokens = Migration(version: 12, name: "web form tokens") { _ in
        [
            """
            CREATE TABLE form_tokens (
                token_hash TEXT PRIMARY KEY,
                purpose TEXT NOT NULL,
                key_id TEXT,
                used_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX form_tokens_used ON form_tokens (used_at)",
        ]
    }

    /// The provider reports spend detail a day late (`/activity` answers completed UTC days only):
    /// `detail_due_day` is the earliest UTC day on which a key's spend was recorded and its detail not
    /// yet read. The reconciler reads a key once that day has ended, and deletes a revoked key at the
    /// provider only when nothing is due (nothing promises activity for a deleted key).
    static let detailDueDay = Migration(version: 13, name: "spend detail a day late") { _ in
        [
            "ALTER TABLE compute_keys ADD COLUMN detail_due_day TEXT",
            "CREATE INDEX compute_keys_detail_due ON compute_keys (detail_due_day)",
        ]
    }

    /// The project row keeps every total its pages and sorts show (held, reserved, donated, granted,
    /// spent, fees, beside available), updated by each post and checked by `ledger verify`, and spend
    /// is bucketed per project and UTC day: the landing page, the directory sorts and the 30-day
    /// coverage read these and indexes, never the whole ledger. Donations can be held
    /// (`OPUB_DONATION_HOLD`): `held_until` is when a held donation clears (NULL once cleared or when
    /// never held). Existing rows are filled from the ledger. The ledger's kinds gain `clear`.
    static let projectTotals = Migration(
        version: 14, name: "maintained project totals, held donations", afterwards: allowClearKind
    ) { kind in
        let day =
            kind == .postgres
            ? "to_char(to_timestamp(t.created_at / 1000000) AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
            : "strftime('%Y-%m-%d', t.created_at / 1000000, 'unixepoch')"
        func sum(_ account: String, negated: Bool = false) -> String {
            """
            CAST(COALESCE((SELECT \(negated ? "-" : "")SUM(lp.amount_micros) FROM ledger_postings lp
                WHERE lp.project_id = projects.id AND lp.account = '\(account)'), 0) AS BIGINT)
            """
        }
        return [
            "ALTER TABLE projects ADD COLUMN held_micros BIGINT NOT NULL DEFAULT 0",
            "ALTER TABLE projects ADD COLUMN reserved_micros BIGINT NOT NULL DEFAULT 0",
            "ALTER TABLE projects ADD COLUMN donated_micros BIGINT NOT NULL DEFAULT 0",
            "ALTER TABLE projects ADD COLUMN granted_micros BIGINT NOT NULL DEFAULT 0",
            "ALTER TABLE projects ADD COLUMN spent_micros BIGINT NOT NULL DEFAULT 0",
            "ALTER TABLE projects ADD COLUMN fees_micros BIGINT NOT NULL DEFAULT 0",
            """
            UPDATE projects SET
                reserved_micros = CAST(COALESCE((SELECT SUM(k.reserved_micros) FROM compute_keys k
                    WHERE k.project_id = projects.id), 0) AS BIGINT),
                donated_micros = \(sum("external:donations", negated: true)),
                granted_micros = \(sum("external:grants", negated: true)),
                spent_micros = \(sum("external:provider")),
                fees_micros = \(sum("external:fees"))
            """,
            """
            CREATE TABLE spend_days (
                project_id TEXT NOT NULL REFERENCES projects(id),
                day TEXT NOT NULL,
                spent_micros BIGINT NOT NULL DEFAULT 0,
                linked_micros BIGINT NOT NULL DEFAULT 0,
                PRIMARY KEY (project_id, day)
            )
            """,
            """
            INSERT INTO spend_days (project_id, day, spent_micros, linked_micros)
            SELECT t.project_id, \(day),
                CAST(SUM(lp.amount_micros) AS BIGINT),
                CAST(SUM(CASE WHEN t.session_id IS NOT NULL THEN lp.amount_micros ELSE 0 END) AS BIGINT)
            FROM ledger_transactions t JOIN ledger_postings lp ON lp.transaction_id = t.id
            WHERE t.kind = 'spend' AND lp.account = 'external:provider'
            GROUP BY t.project_id, \(day)
            """,
            "CREATE INDEX spend_days_day ON spend_days (day)",
            "CREATE INDEX projects_created ON projects (created_at, id)",
            "CREATE INDEX projects_spent ON projects (spent_micros, id)",
            "CREATE INDEX projects_donated ON projects (donated_micros, id)",
            "CREATE INDEX projects_balance ON projects ((available_micros + held_micros + reserved_micros), id)",
            "ALTER TABLE donations ADD COLUMN held_until BIGINT",
            "CREATE INDEX donations_held ON donations (held_until)",
            "CREATE INDEX ledger_transactions_donation ON ledger_transactions (donation_id)",
        ]
    }

    /// Adds `clear` to the kinds `ledger_transactions` accepts. PostgreSQL replaces the check. SQLite
    /// cannot alter a check, and rebuilding the table would mean deleting ledger rows (the table is
    /// append-only and referenced by every posting); loosening a check changes nothing on disk, so
    /// this uses SQLite's documented procedure for that case: rewrite the table's schema text under
    /// `writable_schema`, bump `schema_version` so every connection reloads it, and run `quick_check` (which checks
    /// every row's constraints without the full index comparison of `integrity_check`, so a large
    /// ledger does not hold up the upgrade).
    @Sendable static func allowClearKind(_ db: any SQLDatabase, _ kind: EngineKind) async throws {
        let kinds = "'donation', 'grant', 'refund', 'reserve', 'spend', 'release'"
        switch kind {
        case .postgres:
            try await db.raw(
                """
                ALTER TABLE ledger_transactions DROP CONSTRAINT ledger_transactions_kind_check,
                    ADD CONSTRAINT ledger_transactions_kind_check CHECK (kind IN (\(unsafeRaw: kinds), 'clear'))
                """
            ).run()
        case .sqlite:
            let version =
                try await db.raw("PRAGMA schema_version").first()?.decode(column: "schema_version", as: Int.self) ?? 0
            try await db.raw("PRAGMA writable_schema = ON").run()
            try await db.raw(
                """
                UPDATE sqlite_master SET sql = replace(sql, \(bind: "kind IN (\(kinds))"), \(bind: "kind IN (\(kinds), 'clear')"))
                WHERE type = 'table' AND name = 'ledger_transactions'
                """
            ).run()
            try await db.raw("PRAGMA schema_version = \(unsafeRaw: String(version + 1))").run()
            try await db.raw("PRAGMA writable_schema = OFF").run()
            let check = try await db.raw("PRAGMA quick_check").all()
            let result = try check.first?.decode(column: "quick_check", as: String.self)
            guard check.count == 1, result == "ok" else {
                throw StoreError.corrupt(
                    "the integrity check after widening the ledger kinds said \(result ?? "nothing")")
            }
            guard
                let sql = try await db.raw(
                    "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'ledger_transactions'"
                )
                .first()?.decode(column: "sql", as: String.self), sql.contains("'clear'")
            else { throw StoreError.corrupt("the ledger's kind check could not be widened") }
        }
    }
}
