import HTTPTypes
import Hummingbird

/// `POST /webhooks/stripe`: Stripe's event delivery. The raw body is verified against
/// `Stripe-Signature` before anything else; see ``StripeWebhookProcessor``.
struct WebhookRoutes: RouteModule {
    let processor: StripeWebhookProcessor
    static let signatureHeader = HTTPField.Name("Stripe-Signature")!

    func register(on routes: RouteRegistrar) {
        routes.post("/webhooks/stripe") { request, _ in
            let payload = try await RequestBodies.collect(request)
            let receipt = try await processor.receive(
                payload: payload, signatureHeader: request.headers[Self.signatureHeader])
            return JSON.response(WebhookReceiptJSON(received: true, duplicate: receipt.duplicate))
        }
    }
}

/// The answer to a Stripe event delivery: received, and whether it was received before.
struct WebhookReceiptJSON: Encodable {
    let received: Bool
    let duplicate: Bool
}
