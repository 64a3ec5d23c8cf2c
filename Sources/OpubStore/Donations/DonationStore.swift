import OpubCore
import SQLKit

/// Donation rows and the ledger transactions they cause.
public struct DonationStore: Sendable {
    let store: Store

    /// Records a completed donation and credits the project, in one transaction: the donation row
    /// (status `completed`, `credited` = amount before tax) and a `donation` transaction whose
    /// idempotency key is `donation:{id}` — to held when the store holds donations
    /// (``Store/donationHold``), else to available. Replaying the same donation id writes nothing.
    @discardableResult
    public func recordCompleted(
        _ id: DonationID, to project: ProjectID, amount: Money, fee: Money = .zero, displayName: String? = nil,
        anonymous: Bool = false, message: String? = nil
    ) async throws -> LedgerPostResult {
        try await store.withProjectLock(project) { write in
            let now = write.clock.now().microsSinceEpoch
            let existing = try await write.sql.raw("SELECT status FROM donations WHERE id = \(bind: id.rawValue)")
                .first()
            let hold = store.donationHold
            if existing == nil {
                let heldUntil = hold.clearsAt(completedAt: write.clock.now())?.microsSinceEpoch
                try await write.sql.raw(
                    """
                    INSERT INTO donations (id, project_id, status, amount_micros, credited_micros, display_name,
                        is_anonymous, message, created_at, completed_at, held_until)
                    VALUES (\(bind: id.rawValue), \(bind: project.rawValue), 'completed', \(bind: amount.micros),
                        \(bind: amount.micros), \(bind: displayName), \(bind: anonymous ? 1 : 0), \(bind: message),
                        \(bind: now), \(bind: now), \(bind: heldUntil))
                    """
                ).run()
            }
            return try await write.post(
                hold.intent(for: id, amount: amount, fee: fee), idempotencyKey: "donation:\(id.rawValue)",
                memo: anonymous || displayName == nil ? "Donation" : "Donation from \(displayName!)")
        }
    }

    /// Returns `amount` of a completed donation to its donor: raises the row's refunded total and
    /// posts a `refund` (idempotency key `refund:{reference}`, one per Stripe refund or dispute id).
    /// Available may go negative (debt). Refunding more than was credited is refused.
    @discardableResult
    public func refund(
        _ id: DonationID, amount: Money, reference: String
    ) async throws -> LedgerPostResult {
        let project = try await projectOf(id)
        return try await store.withProjectLock(project) { write in
            let idempotencyKey = "refund:\(reference)"
            if let existing = try await LedgerRows.transaction(idempotencyKey: idempotencyKey, db: write.sql) {
                return try await write.post(
                    .refund(id, amount: amount), idempotencyKey: existing.idempotencyKey, memo: "")
            }
            guard
                let row = try await write.sql.raw(
                    "SELECT status, credited_micros, refunded_micros FROM donations WHERE id = \(bind: id.rawValue)"
                ).first()
            else { throw StoreError.notFound("No donation has the id \(id).") }
            let credited = Money(micros: try row.decode(column: "credited_micros", as: Int64.self))
            let refunded = Money(micros: try row.decode(column: "refunded_micros", as: Int64.self))
            guard try row.decode(column: "status", as: String.self) == "completed" else {
                throw StoreError.conflict("Donation \(id) was never completed, so there is nothing to refund.")
            }
            guard amount <= DonationRefund.remaining(credited: credited, refunded: refunded) else {
                throw StoreError.conflict(
                    "Donation \(id) credited \(credited.formatted()) and \(refunded.formatted()) is already refunded; \(amount.formatted()) more is too much."
                )
            }
            try await write.sql.raw(
                "UPDATE donations SET refunded_micros = refunded_micros + \(bind: amount.micros) WHERE id = \(bind: id.rawValue)"
            ).run()
            return try await write.post(.refund(id, amount: amount), idempotencyKey: idempotencyKey, memo: "Refund")
        }
    }

    /// Clears the held donations whose hold has passed (oldest first, at most `limit`): each in its
    /// own project transaction. Returns how many were cleared.
    @discardableResult
    public func clearDue(limit: Int = 100) async throws -> Int {
        let now = store.clock.now().microsSinceEpoch
        let due = try await store.engine.read { db in
            try await db.raw(
                """
                SELECT id FROM donations WHERE held_until IS NOT NULL AND held_until <= \(bind: now)
                ORDER BY held_until, id LIMIT \(bind: max(limit, 0))
                """
            ).all().compactMap { DonationID(try $0.decode(column: "id", as: String.self)) }
        }
        for donation in due { try await clear(donation) }
        return due.count
    }

    /// Moves what is still held of `donation` to available (a `clear` transaction, idempotency key
    /// `clear:{donation}`), whether or not its hold has passed, and marks it cleared. A donation
    /// refunded in full while held clears nothing; clearing twice changes nothing.
    @discardableResult
    public func clear(_ donation: DonationID) async throws -> LedgerPostResult? {
        let project = try await projectOf(donation)
        return try await store.withProjectLock(project) { write in
            let held = try await write.held(of: donation)
            let result =
                held.isPositive
                ? try await write.post(
                    .clear(donation, amount: held), idempotencyKey: "clear:\(donation.rawValue)",
                    memo: "Donation hold passed") : nil
            try await write.sql.raw("UPDATE donations SET held_until = NULL WHERE id = \(bind: donation.rawValue)")
                .run()
            return result
        }
    }

    /// Σ credited over completed donations and Σ refunded, from the donation rows.
    public func totals(for project: ProjectID) async throws -> DonationSourceTotals {
        try await store.engine.read { db in
            try await Self.totals(for: project, db: db)
        }
    }

    static func totals(for project: ProjectID, db: any SQLDatabase) async throws -> DonationSourceTotals {
        guard
            let row = try await db.raw(
                """
                SELECT CAST(COALESCE(SUM(CASE WHEN status = 'completed' THEN credited_micros ELSE 0 END), 0) AS BIGINT) AS credited,
                       CAST(COALESCE(SUM(refunded_micros), 0) AS BIGINT) AS refunded
                FROM donations WHERE project_id = \(bind: project.rawValue)
                """
            ).first()
        else { return DonationSourceTotals(credited: .zero, refunded: .zero) }
        return DonationSourceTotals(
            credited: Money(micros: try row.decode(column: "credited", as: Int64.self)),
            refunded: Money(micros: try row.decode(column: "refunded", as: Int64.self)))
    }
}
