import SQLKit

extension Migration {
    /// Per-request usage from the provider's traces (OpenRouter Broadcast): one row per generation span
    /// of an opub key, keyed by the trace and span ids so a redelivery inserts nothing. No content:
    /// only the key, the session id the request carried, model, provider, tokens, cost and time.
    /// `session_id` is kept as sent (it links only when it names a session of the same key).
    static let providerTraces = Migration(version: 15, name: "provider traces") { _ in
        [
            """
            CREATE TABLE trace_usage (
                trace_id TEXT NOT NULL,
                span_id TEXT NOT NULL,
                key_id TEXT NOT NULL REFERENCES compute_keys(id),
                project_id TEXT NOT NULL REFERENCES projects(id),
                session_id TEXT,
                generation_id TEXT,
                model TEXT NOT NULL,
                provider_name TEXT NOT NULL,
                prompt_tokens BIGINT NOT NULL,
                completion_tokens BIGINT NOT NULL,
                reasoning_tokens BIGINT NOT NULL,
                cost_micros BIGINT NOT NULL,
                occurred_at BIGINT NOT NULL,
                received_at BIGINT NOT NULL,
                PRIMARY KEY (trace_id, span_id)
            )
            """,
            "CREATE INDEX trace_usage_project ON trace_usage (project_id, occurred_at)",
            "CREATE INDEX trace_usage_key_session ON trace_usage (key_id, session_id, occurred_at)",
        ]
    }

    /// Rotation (`money.md`, "Rotate"): a key made by a rotation names the key it `replaces`, and the
    /// rotated key names its successor (`replaced_by`). At most one rotation of a key is in progress: one
    /// `provisioning` successor per key.
    static let keyRotation = Migration(version: 16, name: "key rotation") { _ in
        [
            "ALTER TABLE compute_keys ADD COLUMN replaces TEXT",
            "ALTER TABLE compute_keys ADD COLUMN replaced_by TEXT",
            "CREATE UNIQUE INDEX compute_keys_one_rotation ON compute_keys (replaces) WHERE status = 'provisioning'",
        ]
    }

    /// Monthly allowance keys (`money.md`): `allowance_micros` per UTC month (NULL for a one-off
    /// limit) and `allowance_month`, the month (`YYYY-MM`) whose allowance the key holds; the reconciler
    /// rolls over keys whose month has passed.
    static let monthlyAllowance = Migration(version: 17, name: "monthly allowance keys") { _ in
        [
            "ALTER TABLE compute_keys ADD COLUMN allowance_micros BIGINT",
            "ALTER TABLE compute_keys ADD COLUMN allowance_month TEXT",
            "CREATE INDEX compute_keys_allowance ON compute_keys (allowance_month) WHERE allowance_micros IS NOT NULL",
        ]
    }

    /// Alerts on unusual use of a key (direct use, a new model or provider, a spike, expiry soon, lost
    /// maintainer access), each recorded once (`dedupe_key`); a project's optional alert webhook (its
    /// signing secret is derived from the server secret and `secret_version`, never stored); and each
    /// delivery attempt, for the retry worker and the delivery log. A key may revoke itself once its
    /// direct-use spend passes `direct_use_revoke_micros`.
    static let keyAlerts = Migration(version: 18, name: "key alerts and the alert webhook") { _ in
        [
            """
            CREATE TABLE key_alerts (
                id TEXT PRIMARY KEY,
                project_id TEXT NOT NULL REFERENCES projects(id),
                key_id TEXT NOT NULL REFERENCES compute_keys(id),
                kind TEXT NOT NULL,
                message TEXT NOT NULL,
                amount_micros BIGINT,
                dedupe_key TEXT NOT NULL UNIQUE,
                created_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX key_alerts_project ON key_alerts (project_id, created_at)",
            "CREATE INDEX key_alerts_key ON key_alerts (key_id, created_at)",
            """
            CREATE TABLE alert_webhooks (
                project_id TEXT PRIMARY KEY REFERENCES projects(id),
                url TEXT NOT NULL,
                secret_version BIGINT NOT NULL DEFAULT 1,
                updated_at BIGINT NOT NULL
            )
            """,
            """
            CREATE TABLE alert_deliveries (
                id TEXT PRIMARY KEY,
                alert_id TEXT NOT NULL REFERENCES key_alerts(id),
                project_id TEXT NOT NULL REFERENCES projects(id),
                url TEXT NOT NULL,
                status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
                attempts BIGINT NOT NULL DEFAULT 0,
                last_status_code BIGINT,
                last_error TEXT,
                next_attempt_at BIGINT NOT NULL,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX alert_deliveries_due ON alert_deliveries (status, next_attempt_at)",
            "CREATE INDEX alert_deliveries_project ON alert_deliveries (project_id, created_at)",
            "ALTER TABLE compute_keys ADD COLUMN direct_use_revoke_micros BIGINT",
        ]
    }
}
