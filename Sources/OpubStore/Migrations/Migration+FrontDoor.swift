extension Migration {
    /// The server's front door: browser sessions, GitHub sign-in attempts, every name a project has
    /// had (so that a renamed repository's old name still finds it), Stripe events processed once,
    /// and the Stripe ids a donation needs to be found again by charge and dispute events.
    ///
    /// Secrets are never stored in the clear: a session is found by the SHA-256 of its id, the
    /// GitHub token and the PKCE verifier are AES-GCM sealed with a key derived from `OPUB_SECRET_KEY`.
    static let frontDoor = Migration(version: 10, name: "front door: sessions, sign-in, project names, stripe events") {
        _ in
        [
            """
            CREATE TABLE web_sessions (
                id_hash TEXT PRIMARY KEY,
                user_id TEXT NOT NULL REFERENCES users(id),
                github_token_sealed TEXT,
                created_at BIGINT NOT NULL,
                last_seen_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX web_sessions_user ON web_sessions (user_id)",
            "CREATE INDEX web_sessions_seen ON web_sessions (last_seen_at)",
            """
            CREATE TABLE oauth_attempts (
                state_hash TEXT PRIMARY KEY,
                verifier_sealed TEXT NOT NULL,
                return_to TEXT NOT NULL,
                created_at BIGINT NOT NULL
            )
            """,
            """
            CREATE TABLE project_names (
                lookup_name TEXT PRIMARY KEY,
                project_id TEXT NOT NULL REFERENCES projects(id),
                owner TEXT NOT NULL,
                repo TEXT NOT NULL,
                recorded_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX project_names_project ON project_names (project_id)",
            """
            INSERT INTO project_names (lookup_name, project_id, owner, repo, recorded_at)
            SELECT lookup_name, id, owner, repo, created_at FROM projects
            """,
            """
            CREATE TABLE stripe_events (
                id TEXT PRIMARY KEY,
                type TEXT NOT NULL,
                outcome TEXT NOT NULL,
                received_at BIGINT NOT NULL
            )
            """,
            "ALTER TABLE donations ADD COLUMN checkout_url TEXT",
            "ALTER TABLE donations ADD COLUMN failed_at BIGINT",
            "CREATE INDEX donations_payment_intent ON donations (stripe_payment_intent_id)",
            "CREATE INDEX donations_user ON donations (user_id, created_at)",
            "CREATE INDEX maintainers_user ON maintainers (user_id)",
        ]
    }
}
