import OpubCore
import SQLKit

extension DonationStore {
    /// Records a donation the donor is about to pay: status `pending`, no money moves.
    public func createPending(
        _ id: DonationID, project: ProjectID, user: UserID, amount: Money, displayName: String?, anonymous: Bool,
        message: String?
    ) async throws -> DonationRecord {
        let now = store.clock.now().microsSinceEpoch
        return try await store.engine.write { db in
            try await db.raw(
                """
                INSERT INTO donations (id, project_id, user_id, status, amount_micros, display_name, is_anonymous,
                    message, created_at)
                VALUES (\(bind: id.rawValue), \(bind: project.rawValue), \(bind: user.rawValue), 'pending',
                    \(bind: amount.micros), \(bind: anonymous ? nil : displayName), \(bind: anonymous ? 1 : 0),
                    \(bind: message), \(bind: now))
                """
            ).run()
            return try await Self.require(id, db: db)
        }
    }

    /// Remembers the Stripe Checkout Session that will pay `id`.
    public func attachCheckout(_ id: DonationID, sessionID: String, url: String) async throws {
        try await store.engine.write { db in
            try await db.raw(
                """
                UPDATE donations SET stripe_checkout_session_id = \(bind: sessionID), checkout_url = \(bind: url)
                WHERE id = \(bind: id.rawValue)
                """
            ).run()
        }
    }

    /// A pending donation whose checkout could not be created: `failed`, no money moved.
    public func abandon(_ id: DonationID) async throws {
        let now = store.clock.now().microsSinceEpoch
        try await store.engine.write { db in
            try await db.raw(
                """
                UPDATE donations SET status = 'failed', failed_at = \(bind: now)
                WHERE id = \(bind: id.rawValue) AND status = 'pending'
                """
            ).run()
        }
    }

    public func find(_ id: DonationID) async throws -> DonationRecord? {
        try await store.engine.read { db in
            try await db.raw("SELECT * FROM donations WHERE id = \(bind: id.rawValue)").first()
                .map(DonationRecord.init)
        }
    }

    public func find(checkoutSessionID: String) async throws -> DonationRecord? {
        try await store.engine.read { db in
            try await db.raw("SELECT * FROM donations WHERE stripe_checkout_session_id = \(bind: checkoutSessionID)")
                .first().map(DonationRecord.init)
        }
    }

    public func find(paymentIntentID: String) async throws -> DonationRecord? {
        try await store.engine.read { db in
            try await db.raw("SELECT * FROM donations WHERE stripe_payment_intent_id = \(bind: paymentIntentID)")
                .first().map(DonationRecord.init)
        }
    }

    /// A project's completed donations, newest first (public attribution only is shown from these).
    public func completed(
        in project: ProjectID, cursor: TimeCursor?, limit: Int = 50
    ) async throws -> Page<
        DonationRecord
    > {
        let limit = min(max(limit, 1), 100)
        return try await store.engine.read { db in
            var sql: SQLQueryString =
                "SELECT * FROM donations WHERE project_id = \(bind: project.rawValue) AND status = 'completed'"
            if let cursor {
                sql =
                    sql
                    + " AND (completed_at < \(bind: cursor.time) OR (completed_at = \(bind: cursor.time) "
                    + "AND id < \(bind: cursor.id)))"
            }
            sql = sql + " ORDER BY completed_at DESC, id DESC LIMIT \(bind: limit + 1)"
            let rows = try await db.raw(sql).all()
            let items = try rows.prefix(limit).map(DonationRecord.init)
            let next =
                rows.count > limit
                ? items.last.map { TimeCursor.donation(time: $0.completedAt?.microsSinceEpoch ?? 0, id: $0.id).encoded }
                : nil
            return Page(items: items, nextCursor: next)
        }
    }

    /// Everything `user` donated or tried to, newest first.
    public func made(by user: UserID, cursor: TimeCursor?, limit: Int = 50) async throws -> Page<DonationRecord> {
        let limit = min(max(limit, 1), 100)
        return try await store.engine.read { db in
            var sql: SQLQueryString = "SELECT * FROM donations WHERE user_id = \(bind: user.rawValue)"
            if let cursor {
                sql =
                    sql
                    + " AND (created_at < \(bind: cursor.time) OR (created_at = \(bind: cursor.time) AND "
                    + "id < \(bind: cursor.id)))"
            }
            sql = sql + " ORDER BY created_at DESC, id DESC LIMIT \(bind: limit + 1)"
            let rows = try await db.raw(sql).all()
            let items = try rows.prefix(limit).map(DonationRecord.init)
            let next =
                rows.count > limit
                ? items.last.map { TimeCursor.donation(time: $0.createdAt.microsSinceEpoch, id: $0.id).encoded } : nil
            return Page(items: items, nextCursor: next)
        }
    }

    static func require(_ id: DonationID, db: any SQLDatabase) async throws -> DonationRecord {
        guard let row = try await db.raw("SELECT * FROM donations WHERE id = \(bind: id.rawValue)").first() else {
            throw StoreError.notFound("No donation has the id \(id).")
        }
        return try DonationRecord(row: row)
    }
}
