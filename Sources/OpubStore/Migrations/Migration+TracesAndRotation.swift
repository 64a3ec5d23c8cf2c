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
}
