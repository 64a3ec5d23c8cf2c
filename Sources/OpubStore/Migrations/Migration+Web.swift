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
}
