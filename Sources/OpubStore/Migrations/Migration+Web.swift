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
}
