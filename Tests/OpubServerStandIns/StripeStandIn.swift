import AsyncHTTPClient
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// A local Stripe, written from Stripe's public API documentation: `POST /v1/checkout/sessions`
/// and `POST /v1/refunds` (form-encoded, bearer secret key, `Idempotency-Key` replays), and
/// webhook delivery — events in Stripe's shape, signed `Stripe-Signature: t=…,v1=…` with the
/// endpoint secret, POSTed to a URL. Tests drive payments with ``pay(_:)``, ``expire(_:)``,
/// ``refund(paymentIntent:cents:)``, ``dispute(paymentIntent:cents:)``.
public actor StripeStandIn {
    public struct Session: Sendable {
        public let id: String
        public let fields: [(String, String)]
        public let amountCents: Int64
        public let donationID: String
        public var paymentIntent: String?
    }

    public struct Delivery: Sendable {
        public let eventID: String
        public let payload: [UInt8]
        public let status: Int
    }

    public nonisolated let secretKey: String
    public nonisolated let webhookSecret: String
    var webhookURL: String?
    var sessions: [String: Session] = [:]
    var idempotent: [String: (body: [UInt8], response: [String: Any])] = [:]
    public private(set) var checkoutRequests: [[(String, String)]] = []
    public private(set) var idempotencyKeys: [String] = []
    public private(set) var refunds: [[String: String]] = []
    public private(set) var deliveries: [Delivery] = []
    var failNextCheckout = false

    public init(secretKey: String = "sk_test_standin", webhookSecret: String = "whsec_standin_secret") {
        self.secretKey = secretKey
        self.webhookSecret = webhookSecret
    }

    /// Where events are delivered (opub's `/webhooks/stripe`).
    public func setWebhookURL(_ url: String) { webhookURL = url }

    /// The next checkout request fails with a 500.
    public func failNextCheckoutRequest() { failNextCheckout = true }

    public func session(_ id: String) -> Session? { sessions[id] }

    public var lastSession: Session? {
        guard let fields = checkoutRequests.last else { return nil }
        return sessions.values.first { $0.fields.elementsEqual(fields, by: { $0 == $1 }) }
    }

    // MARK: - HTTP

    public nonisolated func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.post("/v1/checkout/sessions") { request, _ in
            let body = try await StandInHTTP.body(request)
            return await self.createSession(request, body)
        }
        router.post("/v1/refunds") { request, _ in
            let body = try await StandInHTTP.body(request)
            return await self.createRefund(request, body)
        }
        return router
    }

    func authorized(_ request: Request) -> Response? {
        guard StandInHTTP.bearer(request) == secretKey else {
            return StandInHTTP.json(
                ["error": ["type": "invalid_request_error", "message": "Invalid API Key provided"]],
                status: .unauthorized)
        }
        return nil
    }

    func replay(_ request: Request, _ body: [UInt8]) -> Response? {
        guard let key = request.headers[HTTPField.Name("Idempotency-Key")!] else { return nil }
        idempotencyKeys.append(key)
        guard let earlier = idempotent[key] else { return nil }
        guard earlier.body == body else {
            return StandInHTTP.json(
                [
                    "error": [
                        "type": "idempotency_error",
                        "message": "Keys for idempotent requests can only be used with the same parameters.",
                    ]
                ], status: .badRequest)
        }
        return StandInHTTP.json(earlier.response)
    }

    func remember(_ request: Request, _ body: [UInt8], _ response: [String: Any]) {
        if let key = request.headers[HTTPField.Name("Idempotency-Key")!] { idempotent[key] = (body, response) }
    }

    func createSession(_ request: Request, _ body: [UInt8]) -> Response {
        if let refusal = authorized(request) { return refusal }
        if let replayed = replay(request, body) { return replayed }
        if failNextCheckout {
            failNextCheckout = false
            return StandInHTTP.json(
                ["error": ["type": "api_error", "message": "stand-in failure"]], status: .internalServerError)
        }
        let fields = StandInHTTP.form(body)
        checkoutRequests.append(fields)
        let values = Dictionary(fields, uniquingKeysWith: { _, last in last })
        guard values["mode"] == "payment", values["line_items[0][price_data][currency]"] == "usd",
            let cents = values["line_items[0][price_data][unit_amount]"].flatMap({ Int64($0) }), cents > 0,
            let donation = values["metadata[donation_id]"], values["success_url"] != nil, values["cancel_url"] != nil
        else {
            return StandInHTTP.json(
                ["error": ["type": "invalid_request_error", "message": "missing or invalid parameters"]],
                status: .badRequest)
        }
        let id = "cs_test_" + StandInHTTP.randomHex(12)
        sessions[id] = Session(id: id, fields: fields, amountCents: cents, donationID: donation, paymentIntent: nil)
        let response: [String: Any] = [
            "id": id, "object": "checkout.session", "url": "https://checkout.stripe.test/c/pay/\(id)",
            "amount_subtotal": cents, "amount_total": cents, "currency": "usd", "payment_status": "unpaid",
            "client_reference_id": values["client_reference_id"] ?? NSNull(), "metadata": ["donation_id": donation],
        ]
        remember(request, body, response)
        return StandInHTTP.json(response)
    }

    func createRefund(_ request: Request, _ body: [UInt8]) -> Response {
        if let refusal = authorized(request) { return refusal }
        if let replayed = replay(request, body) { return replayed }
        let fields = Dictionary(StandInHTTP.form(body), uniquingKeysWith: { _, last in last })
        refunds.append(fields)
        guard let intent = fields["payment_intent"], sessions.values.contains(where: { $0.paymentIntent == intent })
        else {
            return StandInHTTP.json(
                ["error": ["type": "invalid_request_error", "message": "No such payment_intent"]], status: .notFound)
        }
        let response: [String: Any] = [
            "id": "re_" + StandInHTTP.randomHex(12), "object": "refund", "status": "succeeded",
            "amount": fields["amount"].flatMap { Int64($0) } ?? 0, "payment_intent": intent,
        ]
        remember(request, body, response)
        return StandInHTTP.json(response)
    }

    // MARK: - Payments and webhooks

    /// The donor pays: `checkout.session.completed` with `payment_status=paid` (or unpaid with an
    /// asynchronous method), delivered to the webhook URL. Returns the delivery.
    @discardableResult
    public func pay(_ sessionID: String, asynchronously: Bool = false, taxCents: Int64 = 0) async throws -> Delivery {
        guard var session = sessions[sessionID] else { throw StandInError.didNotStart }
        let intent = "pi_" + StandInHTTP.randomHex(12)
        session.paymentIntent = intent
        sessions[sessionID] = session
        return try await deliver(
            type: "checkout.session.completed",
            object: sessionObject(session, status: asynchronously ? "unpaid" : "paid", taxCents: taxCents))
    }

    /// The asynchronous payment of a session cleared (or failed).
    @discardableResult
    public func settleAsync(_ sessionID: String, succeeded: Bool) async throws -> Delivery {
        guard let session = sessions[sessionID] else { throw StandInError.didNotStart }
        return try await deliver(
            type: succeeded ? "checkout.session.async_payment_succeeded" : "checkout.session.async_payment_failed",
            object: sessionObject(session, status: succeeded ? "paid" : "unpaid", taxCents: 0))
    }

    @discardableResult
    public func expire(_ sessionID: String) async throws -> Delivery {
        guard let session = sessions[sessionID] else { throw StandInError.didNotStart }
        return try await deliver(
            type: "checkout.session.expired", object: sessionObject(session, status: "unpaid", taxCents: 0))
    }

    /// `charge.refunded` for a payment, listing one new refund.
    @discardableResult
    public func refund(paymentIntent: String, cents: Int64, refundID: String? = nil) async throws -> Delivery {
        let id = refundID ?? "re_" + StandInHTTP.randomHex(12)
        let object: [String: Any] = [
            "id": "ch_" + StandInHTTP.randomHex(12), "object": "charge", "amount_refunded": cents,
            "payment_intent": paymentIntent, "currency": "usd",
            "refunds": [
                "object": "list", "data": [["id": id, "object": "refund", "amount": cents, "status": "succeeded"]],
            ],
        ]
        return try await deliver(type: "charge.refunded", object: object)
    }

    @discardableResult
    public func dispute(paymentIntent: String, cents: Int64) async throws -> Delivery {
        let object: [String: Any] = [
            "id": "dp_" + StandInHTTP.randomHex(12), "object": "dispute", "amount": cents,
            "charge": "ch_" + StandInHTTP.randomHex(12), "payment_intent": paymentIntent, "currency": "usd",
            "reason": "fraudulent", "status": "needs_response",
        ]
        return try await deliver(type: "charge.dispute.created", object: object)
    }

    func sessionObject(_ session: Session, status: String, taxCents: Int64) -> [String: Any] {
        [
            "id": session.id, "object": "checkout.session", "mode": "payment",
            "amount_subtotal": session.amountCents, "amount_total": session.amountCents + taxCents,
            "currency": "usd", "payment_status": status, "payment_intent": session.paymentIntent ?? NSNull(),
            "client_reference_id": session.donationID, "metadata": ["donation_id": session.donationID],
            "customer_details": ["email": "donor@example.com", "name": "Private Payer"],
        ]
    }

    /// Builds an event, signs it as Stripe does, and POSTs it to the webhook URL.
    public func deliver(type: String, object: [String: Any], id: String? = nil) async throws -> Delivery {
        let event: [String: Any] = [
            "id": id ?? "evt_" + StandInHTTP.randomHex(12), "object": "event", "type": type,
            "created": Int(Date().timeIntervalSince1970), "livemode": false, "api_version": "2024-06-20",
            "data": ["object": object],
        ]
        let payload = Array(try JSONSerialization.data(withJSONObject: event, options: [.sortedKeys]))
        return try await post(payload, eventID: event["id"] as! String)
    }

    /// POSTs `payload` signed now (or with `signature` as given) to the webhook URL.
    public func post(_ payload: [UInt8], eventID: String, signature: String? = nil) async throws -> Delivery {
        guard let webhookURL else { throw StandInError.didNotStart }
        let timestamp = Int(Date().timeIntervalSince1970)
        var request = HTTPClientRequest(url: webhookURL)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json; charset=utf-8")
        request.headers.add(
            name: "Stripe-Signature",
            value: signature ?? Self.signature(payload: payload, secret: webhookSecret, timestamp: timestamp))
        request.body = .bytes(ByteBuffer(bytes: payload))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        _ = try await response.body.collect(upTo: 1 << 20)
        let delivery = Delivery(eventID: eventID, payload: payload, status: Int(response.status.code))
        deliveries.append(delivery)
        return delivery
    }

    /// Stripe's scheme: `t={timestamp},v1=hex(HMAC-SHA256(secret, "{timestamp}.{payload}"))`.
    public static func signature(payload: [UInt8], secret: String, timestamp: Int) -> String {
        let mac = HMAC<SHA256>.authenticationCode(
            for: Array("\(timestamp).".utf8) + payload, using: SymmetricKey(data: Array(secret.utf8)))
        return "t=\(timestamp),v1=" + mac.map { String(format: "%02x", $0) }.joined()
    }
}
