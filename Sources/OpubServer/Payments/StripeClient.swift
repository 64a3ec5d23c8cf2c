import OpubCore

/// What opub asks Stripe. Injected: the real client speaks to `STRIPE_API_URL`, the sandbox
/// answers locally, tests use the stand-in over HTTP.
public protocol StripeClient: Sendable {
    /// `POST /v1/checkout/sessions` (`Idempotency-Key` = the donation id).
    func createCheckoutSession(_ request: CheckoutSessionRequest) async throws -> CheckoutSession
    /// `POST /v1/refunds` for a payment intent; nil `amountCents` refunds what is left.
    func createRefund(paymentIntentID: String, amountCents: Int64?, idempotencyKey: String) async throws -> StripeRefund
}

/// A Checkout Session for one donation, as `server.md` fixes it.
public struct CheckoutSessionRequest: Sendable, Hashable {
    public let donationID: DonationID
    public let amountCents: Int64
    public let project: RepositoryName
    public let successURL: String
    public let cancelURL: String

    /// The exact form fields sent to Stripe, in order.
    public var formFields: [(String, String)] {
        [
            ("mode", "payment"),
            ("line_items[0][price_data][currency]", "usd"),
            ("line_items[0][price_data][unit_amount]", String(amountCents)),
            ("line_items[0][price_data][product_data][name]", "Donated compute for \(project)"),
            ("line_items[0][quantity]", "1"),
            ("client_reference_id", donationID.rawValue),
            ("metadata[donation_id]", donationID.rawValue),
            ("success_url", successURL),
            ("cancel_url", cancelURL),
        ]
    }
}

public struct CheckoutSession: Sendable, Hashable {
    public let id: String
    public let url: String

    public init(id: String, url: String) {
        self.id = id
        self.url = url
    }
}

public struct StripeRefund: Sendable, Hashable {
    public let id: String
    public let status: String
    public let amountCents: Int64

    public init(id: String, status: String, amountCents: Int64) {
        self.id = id
        self.status = status
        self.amountCents = amountCents
    }
}

/// Stripe's refusals and outages.
public enum StripeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Stripe refused the request (4xx) with its message.
    case refused(status: Int, message: String)
    case unavailable(String)
    case badResponse(String)

    public var description: String {
        switch self {
        case .refused(let status, let message): return "Stripe refused the request (\(status)): \(message)"
        case .unavailable(let reason): return "Stripe is unavailable (\(reason)); try again in a minute."
        case .badResponse(let reason): return "Stripe sent an unexpected answer (\(reason))."
        }
    }
}
