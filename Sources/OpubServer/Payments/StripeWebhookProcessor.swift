import Logging
import OpubCore
import OpubStore
import OpubSurfaces

/// Applies Stripe webhook events to donations and the ledger (`money.md`, donations).
///
/// The signature is checked before the body is parsed; a bad one is a 400 and nothing is recorded.
/// Each event id is applied at most once (`stripe_events`, written in the same transaction as the
/// money). Handled:
/// - `checkout.session.completed` with `payment_status=paid`, and
///   `checkout.session.async_payment_succeeded` → the donation completes, `amount_subtotal` credited;
/// - `checkout.session.completed` unpaid → waits for the asynchronous payment;
/// - `checkout.session.async_payment_failed`, `checkout.session.expired` → failed, no money;
/// - `charge.refunded` → a refund per refund id; `charge.dispute.created` → a refund for the dispute.
/// Anything else is recorded as ignored and answered 200.
public struct StripeWebhookProcessor: Sendable {
    let store: Store
    let secret: String
    let clock: any TimeSource
    let feeBasisPoints: Int
    let logger: Logger

    public init(store: Store, secret: String, clock: any TimeSource, feeBasisPoints: Int, logger: Logger) {
        self.store = store
        self.secret = secret
        self.clock = clock
        self.feeBasisPoints = feeBasisPoints
        self.logger = logger
    }

    public struct Receipt: Sendable, Hashable {
        public let eventID: String
        public let type: String
        public let outcome: String
        /// True when the event had been processed before.
        public let duplicate: Bool
    }

    public func receive(payload: [UInt8], signatureHeader: String?) async throws -> Receipt {
        do {
            try StripeSignature.verify(payload: payload, header: signatureHeader, secret: secret, now: clock.now())
        } catch {
            logger.warning("refused a Stripe webhook", metadata: ["reason": "\(error)"])
            throw APIError.badRequest("invalid_signature", error.description)
        }
        let event = try StripeEvent(payload: payload)
        let mark = StripeEventMark(id: event.id, type: event.type)
        let outcome = try await apply(event, mark: mark)
        let receipt: Receipt
        switch outcome {
        case .duplicate:
            receipt = Receipt(eventID: event.id, type: event.type, outcome: "already processed", duplicate: true)
        case .applied(let text):
            receipt = Receipt(eventID: event.id, type: event.type, outcome: text, duplicate: false)
        }
        logger.info(
            "stripe event",
            metadata: ["event": "\(event.id)", "type": "\(event.type)", "outcome": "\(receipt.outcome)"])
        return receipt
    }

    func apply(_ event: StripeEvent, mark: StripeEventMark) async throws -> StripeEventOutcome {
        let donations = store.donations
        switch event.type {
        case "checkout.session.completed", "checkout.session.async_payment_succeeded":
            guard let donation = try await knownDonation(event.donationID) else {
                return try await donations.recordEvent(mark, outcome: "ignored: not an opub donation")
            }
            let paymentIntent = event.reference("payment_intent")
            let email = event.dictionary("customer_details").flatMap { event.string("email", in: $0) }
            let paid =
                event.type == "checkout.session.async_payment_succeeded" || event.string("payment_status") == "paid"
            guard paid else {
                return try await donations.awaitPaymentFromStripe(
                    donation.id, paymentIntentID: paymentIntent, billingEmail: email, event: mark)
            }
            guard event.string("currency")?.lowercased() ?? "usd" == "usd",
                let subtotal = event.cents("amount_subtotal"),
                subtotal > 0
            else {
                logger.error(
                    "a paid checkout session has no usable USD amount_subtotal", metadata: ["event": "\(event.id)"])
                return try await donations.recordEvent(mark, outcome: "ignored: no usable USD amount_subtotal")
            }
            let amount = Money(cents: subtotal)
            if amount != donation.amount {
                logger.warning(
                    "credited amount differs from the amount asked",
                    metadata: [
                        "donation": "\(donation.id)", "asked": "\(donation.amount.usdString)",
                        "paid": "\(amount.usdString)",
                    ])
            }
            return try await donations.completeFromStripe(
                donation.id, amount: amount, fee: fee(on: amount), billingEmail: email, paymentIntentID: paymentIntent,
                event: mark)
        case "checkout.session.async_payment_failed", "checkout.session.expired":
            guard let donation = try await knownDonation(event.donationID) else {
                return try await donations.recordEvent(mark, outcome: "ignored: not an opub donation")
            }
            return try await donations.failFromStripe(donation.id, event: mark)
        case "charge.refunded":
            guard let donation = try await donation(paymentIntent: event.reference("payment_intent")) else {
                return try await donations.recordEvent(mark, outcome: "ignored: charge of no opub donation")
            }
            var refunds: [StripeRefundInstruction] = []
            if case .array(let items)? = event.object["refunds"]?["data"] {
                for refund in items.compactMap(\.dictionaryValue) {
                    let status = event.string("status", in: refund)
                    guard let id = event.string("id", in: refund), let cents = event.cents("amount", in: refund),
                        status != "failed", status != "canceled"
                    else { continue }
                    refunds.append(StripeRefundInstruction(reference: id, amount: Money(cents: cents)))
                }
            }
            if refunds.isEmpty, let total = event.cents("amount_refunded"), let charge = event.string("id") {
                refunds.append(
                    StripeRefundInstruction(
                        reference: "\(charge):refunded:\(total)", amount: Money(cents: total), isCumulative: true))
            }
            return try await refund(donation, refunds, mark)
        case "charge.dispute.created":
            guard let donation = try await donation(paymentIntent: event.reference("payment_intent")),
                let dispute = event.string("id"), let cents = event.cents("amount")
            else {
                return try await donations.recordEvent(mark, outcome: "ignored: dispute of no opub donation")
            }
            return try await refund(
                donation, [StripeRefundInstruction(reference: dispute, amount: Money(cents: cents))], mark)
        default:
            return try await donations.recordEvent(mark, outcome: "ignored: \(event.type) is not handled")
        }
    }

    func refund(
        _ donation: DonationRecord, _ refunds: [StripeRefundInstruction], _ mark: StripeEventMark
    ) async throws
        -> StripeEventOutcome
    {
        guard donation.status == .completed else {
            // The completion has not arrived yet; Stripe retries this event later.
            throw APIError.conflict(
                "event_out_of_order",
                "Donation \(donation.id) is not completed yet, so its refund cannot be recorded; deliver "
                    + "this event again later."
            )
        }
        return try await store.donations.refundFromStripe(donation.id, refunds: refunds, event: mark)
    }

    /// The platform fee on a donation: `OPUB_FEE_PERCENT` of it, rounded down to whole cents.
    func fee(on amount: Money) -> Money {
        amount.platformFee(basisPoints: feeBasisPoints)
    }

    func knownDonation(_ id: DonationID?) async throws -> DonationRecord? {
        guard let id else { return nil }
        return try await store.donations.find(id)
    }

    func donation(paymentIntent: String?) async throws -> DonationRecord? {
        guard let paymentIntent else { return nil }
        return try await store.donations.find(paymentIntentID: paymentIntent)
    }
}
