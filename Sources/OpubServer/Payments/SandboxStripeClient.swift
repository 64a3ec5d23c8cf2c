import OpubCore

/// The Stripe client of sandbox payments: no network. A checkout session is a local page
/// (`/sandbox/checkout/{id}`) that completes the donation through the webhook code path; a refund
/// is answered at once (the caller delivers the signed refund event locally).
public struct SandboxStripeClient: StripeClient {
    let urls: PublicURL
    let random: any RandomSource

    public init(urls: PublicURL, random: any RandomSource) {
        self.urls = urls
        self.random = random
    }

    public func createCheckoutSession(_ request: CheckoutSessionRequest) async throws -> CheckoutSession {
        let id = "cs_sandbox_" + Hex.encode(random.bytes(16))
        return CheckoutSession(id: id, url: urls.url("/sandbox/checkout/\(id)"))
    }

    public func createRefund(
        paymentIntentID: String, amountCents: Int64?, idempotencyKey: String
    ) async throws
        -> StripeRefund
    {
        StripeRefund(
            id: "re_sandbox_" + Hex.encode(random.bytes(12)), status: "succeeded", amountCents: amountCents ?? 0)
    }
}
