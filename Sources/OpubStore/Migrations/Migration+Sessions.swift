extension Migration {
    /// Linked sessions and spend detail over HTTP: the CLI finds its key by the SHA-256 of the link
    /// token, public pages list a project's sessions newest first, and the operator's provider
    /// allowlist is turned into one guardrail, recorded once for every replica.
    static let sessionsAndDetail = Migration(version: 11, name: "link tokens, session pages, guardrails") { _ in
        [
            "CREATE INDEX compute_keys_link_token ON compute_keys (link_token_hash)",
            "CREATE INDEX agent_sessions_project ON agent_sessions (project_id, started_at)",
            """
            CREATE TABLE provider_guardrails (
                allowlist TEXT PRIMARY KEY,
                guardrail_id TEXT NOT NULL,
                created_at BIGINT NOT NULL
            )
            """,
        ]
    }
}
