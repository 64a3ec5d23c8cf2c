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
            struct Answer: Encodable {
                let received: Bool
                let duplicate: Bool
            }
            return JSON.response(Answer(received: true, duplicate: receipt.duplicate))
        }
    }
}
