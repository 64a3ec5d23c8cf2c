import AsyncHTTPClient
import Foundation
import NIOHTTP1

/// Stripe's REST API: form-encoded requests with the secret key as a bearer token.
public struct HTTPStripeClient: StripeClient {
    let http: OutboundHTTP
    let secretKey: String
    let apiURL: String

    public init(client: HTTPClient, secretKey: String, apiURL: String) {
        self.http = OutboundHTTP(client: client)
        self.secretKey = secretKey
        self.apiURL = apiURL
    }

    public func createCheckoutSession(_ request: CheckoutSessionRequest) async throws -> CheckoutSession {
        let object = try await post(
            "/v1/checkout/sessions", fields: request.formFields, idempotencyKey: request.donationID.rawValue)
        guard let id = object["id"] as? String, let url = object["url"] as? String else {
            throw StripeError.badResponse("the checkout session has no id or url")
        }
        return CheckoutSession(id: id, url: url)
    }

    public func createRefund(
        paymentIntentID: String, amountCents: Int64?, idempotencyKey: String
    ) async throws
        -> StripeRefund
    {
        var fields = [("payment_intent", paymentIntentID)]
        if let amountCents { fields.append(("amount", String(amountCents))) }
        let object = try await post("/v1/refunds", fields: fields, idempotencyKey: idempotencyKey)
        guard let id = object["id"] as? String else { throw StripeError.badResponse("the refund has no id") }
        return StripeRefund(
            id: id, status: object["status"] as? String ?? "pending",
            amountCents: (object["amount"] as? NSNumber)?.int64Value ?? amountCents ?? 0)
    }

    func post(_ path: String, fields: [(String, String)], idempotencyKey: String) async throws -> [String: Any] {
        let reply: OutboundHTTP.Reply
        do {
            reply = try await http.send(
                .POST, apiURL + path,
                headers: [
                    ("Authorization", "Bearer \(secretKey)"), ("Content-Type", "application/x-www-form-urlencoded"),
                    ("Idempotency-Key", idempotencyKey), ("User-Agent", "opub"),
                ], body: Array(FormEncoding.encode(fields).utf8))
        } catch {
            throw StripeError.unavailable("\(type(of: error))")
        }
        let object = (try? JSONSerialization.jsonObject(with: Data(reply.body))) as? [String: Any]
        switch reply.status {
        case 200..<300:
            guard let object else { throw StripeError.badResponse("not a JSON object") }
            return object
        case 400..<500:
            let message = ((object?["error"] as? [String: Any])?["message"] as? String) ?? "no message"
            throw StripeError.refused(status: reply.status, message: message)
        default:
            throw StripeError.unavailable("answered \(reply.status)")
        }
    }
}
