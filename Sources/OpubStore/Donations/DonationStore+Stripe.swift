import OpubCore
import SQLKit

/// A Stripe event being applied. Its id is written to `stripe_events` in the same transaction as
/// its effect, so an event delivered any number of times changes the ledger at most once.
public struct StripeEventMark: Sendable, Hashable {
    public let id: String
    public let type: String

    public init(id: String, type: String) {
        self.id = id
        self.type = type
    }
}

/// One refund or dispute to record against a donation.
public struct StripeRefundInstruction: Sendable, Hashable {
    /// The Stripe refund or dispute id; the ledger records each at most once.
    public let reference: String
    public let amount: Money
    /// True when `amount` is the charge's total refunded so far (Stripe's `amount_refunded`, used
    /// when an event lists no individual refunds): only the part not yet recorded is refunded.
    public let isCumulative: Bool

    public init(reference: String, amount: Money, isCumulative: Bool = false) {
        self.reference = reference
        self.amount = amount
        self.isCumulative = isCumulative
    }
}

/// What applying a Stripe event did.
public enum StripeEventOutcome: Sendable, Hashable {
    /// Recorded now; the text says what changed (for logs and the `stripe_events` row).
    case applied(String)
    /// This event id was processed before; nothing changed.
    case duplicate
}

extension DonationStore {
    public func isEventProcessed(_ id: String) async throws -> Bool {
        try await store.engine.read { db in
            try await db.raw("SELECT id FROM stripe_events WHERE id = \(bind: id)").first() != nil
        }
    }

    /// Records an event that moves no money (unknown type, unknown donation, nothing to do).
    public func recordEvent(_ event: StripeEventMark, outcome: String) async throws -> StripeEventOutcome {
        do {
            return try await store.engine.write { db in
                if try await db.raw("SELECT id FROM stripe_events WHERE id = \(bind: event.id)").first() != nil {
                    return .duplicate
                }
                try await Self.insert(event, outcome: outcome, now: store.clock.now(), db: db)
                return .applied(outcome)
            }
        } catch  where error.isUniqueViolation {
            return .duplicate
        }
    }

    /// Stripe says `donation` is paid: status `completed`, `credited = amount` (before tax), and a
    /// `donation` transaction (idempotency key `donation:{id}`), with the event, in one transaction.
    /// A donation completed before (say by `checkout.session.completed` and then
    /// `checkout.session.async_payment_succeeded`) is credited once.
    public func completeFromStripe(
        _ donation: DonationID, amount: Money, fee: Money, billingEmail: String?, paymentIntentID: String?,
        event: StripeEventMark
    ) async throws -> StripeEventOutcome {
        let project = try await projectOf(donation)
        return try await store.withProjectLock(project) { write in
            let db = write.sql
            if try await Self.seen(event, db: db) { return .duplicate }
            let record = try await Self.require(donation, db: db)
            let now = write.clock.now()
            guard record.status != .completed else {
                try await Self.insert(event, outcome: "already completed", now: now, db: db)
                return .applied("already completed")
            }
            let hold = store.donationHold
            try await db.raw(
                """
                UPDATE donations SET status = 'completed', credited_micros = \(bind: amount.micros),
                    completed_at = \(bind: now.microsSinceEpoch), failed_at = NULL,
                    held_until = \(bind: hold.clearsAt(completedAt: now)?.microsSinceEpoch),
                    billing_email = COALESCE(\(bind: billingEmail), billing_email),
                    stripe_payment_intent_id = COALESCE(\(bind: paymentIntentID), stripe_payment_intent_id)
                WHERE id = \(bind: donation.rawValue)
                """
            ).run()
            let memo = record.displayName.map { "Donation from \($0)" } ?? "Donation"
            _ = try await write.post(
                hold.intent(for: donation, amount: amount, fee: fee), idempotencyKey: "donation:\(donation.rawValue)",
                memo: memo)
            let outcome = "credited \(amount.usdString)"
            try await Self.insert(event, outcome: outcome, now: now, db: db)
            return .applied(outcome)
        }
    }

    /// The checkout finished but the payment is asynchronous (bank debits): remember the payment
    /// intent so that later events find the donation; no money moves yet.
    public func awaitPaymentFromStripe(
        _ donation: DonationID, paymentIntentID: String?, billingEmail: String?, event: StripeEventMark
    ) async throws -> StripeEventOutcome {
        let project = try await projectOf(donation)
        return try await store.withProjectLock(project) { write in
            let db = write.sql
            if try await Self.seen(event, db: db) { return .duplicate }
            try await db.raw(
                """
                UPDATE donations SET
                    billing_email = COALESCE(\(bind: billingEmail), billing_email),
                    stripe_payment_intent_id = COALESCE(\(bind: paymentIntentID), stripe_payment_intent_id)
                WHERE id = \(bind: donation.rawValue)
                """
            ).run()
            try await Self.insert(event, outcome: "awaiting payment", now: write.clock.now(), db: db)
            return .applied("awaiting payment")
        }
    }

    /// The payment failed or the checkout expired: a pending donation becomes `failed`; no money.
    public func failFromStripe(_ donation: DonationID, event: StripeEventMark) async throws -> StripeEventOutcome {
        let project = try await projectOf(donation)
        return try await store.withProjectLock(project) { write in
            let db = write.sql
            if try await Self.seen(event, db: db) { return .duplicate }
            let record = try await Self.require(donation, db: db)
            let now = write.clock.now()
            let outcome: String
            if record.status == .pending {
                try await db.raw(
                    """
                    UPDATE donations SET status = 'failed', failed_at = \(bind: now.microsSinceEpoch)
                    WHERE id = \(bind: donation.rawValue)
                    """
                ).run()
                outcome = "failed"
            } else {
                outcome = "left \(record.status.rawValue)"
            }
            try await Self.insert(event, outcome: outcome, now: now, db: db)
            return .applied(outcome)
        }
    }

    /// Money returned to the donor by refunds or a dispute, each named by its Stripe id
    /// (`re_…`, `dp_…`): one `refund` transaction per id (idempotency key `refund:{reference}`),
    /// capped at what the donation still has credited (a charge's tax was never credited, so it is
    /// never debited). Available may go negative: that is debt, and the reconciler caps the keys.
    public func refundFromStripe(
        _ donation: DonationID, refunds: [StripeRefundInstruction], event: StripeEventMark
    ) async throws -> StripeEventOutcome {
        let project = try await projectOf(donation)
        return try await store.withProjectLock(project) { write in
            let db = write.sql
            if try await Self.seen(event, db: db) { return .duplicate }
            let now = write.clock.now()
            var record = try await Self.require(donation, db: db)
            guard record.status == .completed else {
                throw StoreError.conflict(
                    "Donation \(donation) is \(record.status.rawValue); only a completed one can be refunded.")
            }
            var notes: [String] = []
            for refund in refunds {
                let idempotencyKey = "refund:\(refund.reference)"
                if try await LedgerRows.transaction(idempotencyKey: idempotencyKey, db: db) != nil {
                    notes.append("\(refund.reference) already recorded")
                    continue
                }
                let refundable = DonationRefund.reported(
                    refund.amount, isCumulative: refund.isCumulative, credited: record.credited,
                    refunded: record.refunded)
                guard refundable.isPositive else {
                    notes.append("nothing left to refund for \(refund.reference)")
                    continue
                }
                try await db.raw(
                    """
                    UPDATE donations SET refunded_micros = refunded_micros + \(bind: refundable.micros)
                    WHERE id = \(bind: donation.rawValue)
                    """
                ).run()
                _ = try await write.post(
                    .refund(donation, amount: refundable), idempotencyKey: idempotencyKey, memo: "Refund")
                record = try await Self.require(donation, db: db)
                notes.append("refunded \(refundable.usdString) for \(refund.reference)")
            }
            let outcome = notes.isEmpty ? "no refunds listed" : notes.joined(separator: "; ")
            try await Self.insert(event, outcome: outcome, now: now, db: db)
            return .applied(outcome)
        }
    }

    func projectOf(_ donation: DonationID) async throws -> ProjectID {
        guard
            let text = try await store.engine.read({ db in
                try await db.raw("SELECT project_id FROM donations WHERE id = \(bind: donation.rawValue)").first()?
                    .decode(column: "project_id", as: String.self)
            }), let project = ProjectID(text)
        else { throw StoreError.notFound("No donation has the id \(donation).") }
        return project
    }

    static func seen(_ event: StripeEventMark, db: any SQLDatabase) async throws -> Bool {
        try await db.raw("SELECT id FROM stripe_events WHERE id = \(bind: event.id)").first() != nil
    }

    static func insert(_ event: StripeEventMark, outcome: String, now: Timestamp, db: any SQLDatabase) async throws {
        try await db.raw(
            """
            INSERT INTO stripe_events (id, type, outcome, received_at)
            VALUES (\(bind: event.id), \(bind: event.type), \(bind: outcome), \(bind: now.microsSinceEpoch))
            """
        ).run()
    }
}
