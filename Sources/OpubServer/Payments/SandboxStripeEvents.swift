import Foundation
import OpubCore
import OpubStore
import OpubSurfaces

/// Stripe events made and signed locally by sandbox payments, in Stripe's shape, and delivered
/// through ``StripeWebhookProcessor`` — the same code path, signature check included, as real
/// webhooks.
enum SandboxStripeEvents {
    static func event(id: String, type: String, object: [(String, JSONValue)], now: Timestamp) -> [UInt8] {
        let event: JSONValue = .object([
            ("id", .string(id)), ("object", .string("event")), ("type", .string(type)),
            ("created", .int64(now.microsSinceEpoch / 1_000_000)), ("livemode", .bool(false)),
            ("api_version", .string("2024-06-20")), ("data", .object([("object", .object(object))])),
        ])
        return JSON.data(event)
    }

    static func checkoutSession(
        _ donation: DonationRecord, paymentIntent: String, paid: Bool
    ) -> [(String, JSONValue)] {
        let cents = JSONValue.int64(donation.amount.wholeCents)
        return [
            ("id", .string(donation.checkoutSessionID ?? "cs_sandbox_unknown")),
            ("object", .string("checkout.session")),
            ("mode", .string("payment")), ("client_reference_id", .string(donation.id.rawValue)),
            ("metadata", .object([("donation_id", .string(donation.id.rawValue))])),
            ("amount_subtotal", cents), ("amount_total", cents), ("currency", .string("usd")),
            ("payment_status", .string(paid ? "paid" : "unpaid")), ("status", .string(paid ? "complete" : "expired")),
            ("payment_intent", paid ? .string(paymentIntent) : .null),
            ("customer_details", .object([("email", .string("donor@sandbox.invalid"))])),
        ]
    }

    static func chargeRefunded(
        paymentIntent: String, refundID: String, refundCents: Int64, totalRefundedCents: Int64, chargeCents: Int64,
        chargeID: String
    ) -> [(String, JSONValue)] {
        [
            ("id", .string(chargeID)), ("object", .string("charge")), ("amount", .int64(chargeCents)),
            ("amount_refunded", .int64(totalRefundedCents)), ("currency", .string("usd")),
            ("payment_intent", .string(paymentIntent)), ("refunded", .bool(totalRefundedCents >= chargeCents)),
            (
                "refunds",
                .object([
                    ("object", .string("list")),
                    (
                        "data",
                        .array([
                            .object([
                                ("id", .string(refundID)), ("object", .string("refund")),
                                ("amount", .int64(refundCents)),
                                ("status", .string("succeeded")), ("payment_intent", .string(paymentIntent)),
                            ])
                        ])
                    ),
                ])
            ),
        ]
    }

    /// Signs `payload` with the webhook secret and hands it to the processor.
    static func deliver(
        _ payload: [UInt8], processor: StripeWebhookProcessor, secret: String, now: Timestamp
    ) async throws -> StripeWebhookProcessor.Receipt {
        let header = StripeSignature.header(
            payload: payload, secret: secret, timestamp: now.microsSinceEpoch / 1_000_000)
        return try await processor.receive(payload: payload, signatureHeader: header)
    }
}
