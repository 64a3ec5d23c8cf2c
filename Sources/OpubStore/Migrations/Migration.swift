import SQLKit

/// One schema step. Statements run in order inside the migrator's single transaction; a step whose
/// SQL differs between engines lists both forms.
public struct Migration: Sendable {
    public let version: Int
    public let name: String
    let statements: @Sendable (EngineKind) -> [String]
    /// Work that plain statements cannot express, run after them in the same transaction.
    let afterwards: (@Sendable (any SQLDatabase, EngineKind) async throws -> Void)?

    init(
        version: Int, name: String,
        afterwards: (@Sendable (any SQLDatabase, EngineKind) async throws -> Void)? = nil,
        statements: @escaping @Sendable (EngineKind) -> [String]
    ) {
        self.version = version
        self.name = name
        self.afterwards = afterwards
        self.statements = statements
    }
}

extension Migration {
    /// Every migration, oldest first. Never edit a released one; append a new one.
    public static let all: [Migration] = [
        .initialSchema, .appendOnlyLedger, .leases, .usageReadings, .frontDoor, .sessionsAndDetail, .webFormTokens,
        .detailDueDay, .projectTotals, .providerTraces, .keyRotation, .monthlyAllowance, .keyAlerts,
    ]

    /// Users, projects, maintainers, donations, compute keys, the ledger, agent sessions, usage records.
    ///
    /// Amounts are `BIGINT` micro-dollars and times are `BIGINT` microseconds since the epoch, so both
    /// engines store them exactly. Flags are `SMALLINT` 0/1 for the same reason.
    static let initialSchema = Migration(version: 1, name: "initial schema") { _ in
        [
            """
            CREATE TABLE users (
                id TEXT PRIMARY KEY,
                github_id BIGINT NOT NULL UNIQUE,
                login TEXT NOT NULL,
                name TEXT,
                avatar_url TEXT,
                created_at BIGINT NOT NULL,
                suspended_at BIGINT
            )
            """,
            """
            CREATE TABLE projects (
                id TEXT PRIMARY KEY,
                github_repo_id BIGINT UNIQUE,
                owner TEXT NOT NULL,
                repo TEXT NOT NULL,
                lookup_name TEXT NOT NULL UNIQUE,
                created_at BIGINT NOT NULL,
                claimed_at BIGINT,
                suspended_at BIGINT,
                available_micros BIGINT NOT NULL DEFAULT 0,
                chain_length BIGINT NOT NULL DEFAULT 0,
                chain_head TEXT
            )
            """,
            """
            CREATE TABLE maintainers (
                project_id TEXT NOT NULL REFERENCES projects(id),
                user_id TEXT NOT NULL REFERENCES users(id),
                permission TEXT NOT NULL,
                verified_at BIGINT NOT NULL,
                PRIMARY KEY (project_id, user_id)
            )
            """,
            """
            CREATE TABLE donations (
                id TEXT PRIMARY KEY,
                project_id TEXT NOT NULL REFERENCES projects(id),
                user_id TEXT REFERENCES users(id),
                status TEXT NOT NULL CHECK (status IN ('pending', 'completed', 'failed')),
                amount_micros BIGINT NOT NULL CHECK (amount_micros > 0),
                credited_micros BIGINT NOT NULL DEFAULT 0 CHECK (credited_micros >= 0),
                refunded_micros BIGINT NOT NULL DEFAULT 0 CHECK (refunded_micros >= 0),
                display_name TEXT,
                is_anonymous SMALLINT NOT NULL DEFAULT 0,
                message TEXT,
                billing_email TEXT,
                stripe_checkout_session_id TEXT UNIQUE,
                stripe_payment_intent_id TEXT,
                created_at BIGINT NOT NULL,
                completed_at BIGINT
            )
            """,
            "CREATE INDEX donations_project ON donations (project_id, created_at)",
            """
            CREATE TABLE compute_keys (
                id TEXT PRIMARY KEY,
                project_id TEXT NOT NULL REFERENCES projects(id),
                name TEXT NOT NULL,
                status TEXT NOT NULL CHECK (status IN ('provisioning', 'active', 'disabled')),
                disabled_reason TEXT,
                provider_sync TEXT,
                limit_micros BIGINT NOT NULL CHECK (limit_micros >= 0),
                reserved_micros BIGINT NOT NULL DEFAULT 0,
                spent_micros BIGINT NOT NULL DEFAULT 0,
                provider_hash TEXT UNIQUE,
                provider_label TEXT,
                link_token_hash TEXT,
                expires_at BIGINT,
                created_by TEXT REFERENCES users(id),
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL,
                disabled_at BIGINT,
                CHECK ((status = 'disabled') = (disabled_reason IS NOT NULL AND provider_sync IS NOT NULL))
            )
            """,
            "CREATE INDEX compute_keys_project ON compute_keys (project_id, created_at)",
            "CREATE INDEX compute_keys_state ON compute_keys (status, provider_sync)",
            """
            CREATE TABLE ledger_transactions (
                id TEXT PRIMARY KEY,
                project_id TEXT NOT NULL REFERENCES projects(id),
                sequence BIGINT NOT NULL CHECK (sequence > 0),
                kind TEXT NOT NULL CHECK (kind IN ('donation', 'grant', 'refund', 'reserve', 'spend', 'release')),
                idempotency_key TEXT NOT NULL UNIQUE,
                key_id TEXT REFERENCES compute_keys(id),
                donation_id TEXT REFERENCES donations(id),
                session_id TEXT,
                memo TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                previous_hash TEXT NOT NULL,
                hash TEXT NOT NULL,
                UNIQUE (project_id, sequence)
            )
            """,
            "CREATE INDEX ledger_transactions_key ON ledger_transactions (key_id, sequence)",
            """
            CREATE TABLE ledger_postings (
                transaction_id TEXT NOT NULL REFERENCES ledger_transactions(id),
                position INTEGER NOT NULL,
                project_id TEXT NOT NULL REFERENCES projects(id),
                account TEXT NOT NULL,
                amount_micros BIGINT NOT NULL CHECK (amount_micros <> 0),
                PRIMARY KEY (transaction_id, position)
            )
            """,
            "CREATE INDEX ledger_postings_project ON ledger_postings (project_id)",
            """
            CREATE TABLE agent_sessions (
                id TEXT PRIMARY KEY,
                key_id TEXT NOT NULL REFERENCES compute_keys(id),
                project_id TEXT NOT NULL REFERENCES projects(id),
                surface TEXT NOT NULL,
                surface_version TEXT,
                cli_version TEXT NOT NULL,
                os TEXT NOT NULL,
                started_at BIGINT NOT NULL,
                last_heartbeat_at BIGINT NOT NULL,
                ended_at BIGINT,
                end_reason TEXT,
                exit_code INTEGER
            )
            """,
            "CREATE INDEX agent_sessions_key ON agent_sessions (key_id, started_at)",
            "CREATE INDEX agent_sessions_open ON agent_sessions (ended_at, last_heartbeat_at)",
            """
            CREATE TABLE usage_records (
                key_id TEXT NOT NULL REFERENCES compute_keys(id),
                project_id TEXT NOT NULL REFERENCES projects(id),
                usage_date TEXT NOT NULL,
                model TEXT NOT NULL,
                provider_name TEXT NOT NULL DEFAULT '',
                requests BIGINT NOT NULL DEFAULT 0,
                prompt_tokens BIGINT NOT NULL DEFAULT 0,
                completion_tokens BIGINT NOT NULL DEFAULT 0,
                reasoning_tokens BIGINT NOT NULL DEFAULT 0,
                cost_micros BIGINT NOT NULL DEFAULT 0,
                is_linked SMALLINT NOT NULL DEFAULT 0,
                session_id TEXT,
                updated_at BIGINT NOT NULL,
                PRIMARY KEY (key_id, usage_date, model, provider_name)
            )
            """,
            "CREATE INDEX usage_records_project ON usage_records (project_id, usage_date)",
        ]
    }

    /// The ledger is append-only in the database itself: UPDATE and DELETE (and TRUNCATE on
    /// PostgreSQL) on the ledger tables are rejected by triggers, whatever code runs them.
    static let appendOnlyLedger = Migration(version: 2, name: "append-only ledger") { kind in
        let tables = ["ledger_transactions", "ledger_postings"]
        switch kind {
        case .sqlite:
            return tables.flatMap { table in
                ["UPDATE", "DELETE"].map { operation in
                    """
                    CREATE TRIGGER \(table)_no_\(operation.lowercased()) BEFORE \(operation) ON \(table)
                    BEGIN SELECT RAISE(ABORT, '\(table) is append-only: \(operation) is not allowed'); END
                    """
                }
            }
        case .postgres:
            return [
                """
                CREATE FUNCTION opub_reject_ledger_change() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
                        USING ERRCODE = 'restrict_violation';
                END
                $$
                """
            ]
                + tables.flatMap { table in
                    [
                        """
                        CREATE TRIGGER \(table)_append_only BEFORE UPDATE OR DELETE ON \(table)
                        FOR EACH ROW EXECUTE FUNCTION opub_reject_ledger_change()
                        """,
                        """
                        CREATE TRIGGER \(table)_no_truncate BEFORE TRUNCATE ON \(table)
                        FOR EACH STATEMENT EXECUTE FUNCTION opub_reject_ledger_change()
                        """,
                    ]
                }
        }
    }

    /// Leases that let one replica at a time run background work (the reconciler).
    static let leases = Migration(version: 3, name: "leases") { _ in
        ["CREATE TABLE leases (name TEXT PRIMARY KEY, holder TEXT NOT NULL, expires_at BIGINT NOT NULL)"]
    }

    /// When opub last read each key's usage: the start of the interval whose spend a linked session
    /// can claim.
    static let usageReadings = Migration(version: 4, name: "usage readings") { _ in
        ["ALTER TABLE compute_keys ADD COLUMN usage_read_at BIGINT"]
    }
}
