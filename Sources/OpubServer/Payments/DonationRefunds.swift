import OpubCore
import OpubStore

/// The operator's refund (`opub-server admin refund <donation> [--amount]`): with real payments it
/// asks Stripe to refund the payment, and the ledger records it when Stripe's `charge.refunded`
/// arrives; with sandbox payments it makes that event, signs it and applies it at once.
public struct DonationRefunds: Sendable {
    let store: Store
    let stripe: any StripeClient
    let mode: PartMode
    let processor: StripeWebhookProcessor
    let webhookSecret: String
    let clock: any TimeSource
    let random: any RandomSource

    public init(
        store: Store, stripe: any StripeClient, mode: PartMode, processor: StripeWebhookProcessor,
        webhookSecret: String, clock: any TimeSource, random: any RandomSource
    ) {
        self.store = store
        self.stripe = stripe
        self.mode = mode
        self.processor = processor
        self.webhookSecret = webhookSecret
        self.clock = clock
        self.random = random
    }

    /// Refunds `amount` (default: everything still credited) of a completed donation; returns a
    /// sentence for the operator.
    public func refund(_ id: DonationID, amount: Money?) async throws -> String {
        guard let donation = try await store.donations.find(id) else {
            throw StoreError.notFound("No donation has the id \(id).")
        }
        guard donation.status == .completed else {
            throw StoreError.conflict(
                "Donation \(id) is \(donation.status.rawValue); only a completed donation can be refunded.")
        }
        let value: Money
        do {
            value = try DonationRefund.requested(amount, credited: donation.credited, refunded: donation.refunded)
        } catch {
            throw StoreError.conflict("Donation \(id) cannot be refunded: \(error).")
        }
        guard let paymentIntent = donation.paymentIntentID else {
            throw StoreError.conflict("Donation \(id) has no Stripe payment on record, so Stripe cannot refund it.")
        }
        let cents = value.wholeCents
        let refund = try await stripe.createRefund(
            paymentIntentID: paymentIntent, amountCents: cents,
            idempotencyKey: "opub-refund-\(id.rawValue)-\(donation.refunded.micros)-\(cents)")
        guard mode == .sandbox else {
            return
                "Stripe accepted refund \(refund.id) of \(value.formatted()) for \(id); the ledger "
                + "records it when Stripe's charge.refunded event arrives."
        }
        let now = clock.now()
        let chargeCents = donation.credited.wholeCents
        let object = SandboxStripeEvents.chargeRefunded(
            paymentIntent: paymentIntent, refundID: refund.id, refundCents: cents,
            totalRefundedCents: (donation.refunded + value).wholeCents, chargeCents: chargeCents,
            chargeID: "ch_sandbox_" + Hex.encode(random.bytes(12)))
        let payload = SandboxStripeEvents.event(
            id: "evt_sandbox_" + Hex.encode(random.bytes(12)), type: "charge.refunded", object: object, now: now)
        let receipt = try await SandboxStripeEvents.deliver(
            payload, processor: processor, secret: webhookSecret, now: now)
        return "Refunded \(value.formatted()) of \(id) in the sandbox (\(refund.id)): \(receipt.outcome)."
    }
}
