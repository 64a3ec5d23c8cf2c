import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import OpubCore
import OpubStore
import ServiceLifecycle

/// Delivers alerts to the projects' webhooks, signed the way Stripe signs its events
/// (`Opub-Signature: t={unix seconds},v1={hex HMAC-SHA256 of "{t}.{body}"}` with the project's
/// `whsec_…` secret; ``StripeSignature``): a receiver verifies the signature and rejects a timestamp
/// more than 5 minutes old, so a replayed or late delivery is recognisable, and deduplicates by the
/// event id (`Opub-Event-Id`, the alert id; redeliveries carry the same one). Failures (no answer,
/// a non-2xx status) are retried after 10 s, 1 min, 5 min, 30 min and 2 h, then marked failed; every
/// attempt shows in the delivery log on the keys page.
public struct AlertDeliverer: Service {
    public static let retryDelays: [Int64] = [10, 60, 300, 1_800, 7_200]

    let store: Store
    let secrets: ServerSecrets
    let httpClient: HTTPClient
    let logger: Logger
    var interval: Duration = .seconds(2)

    public init(
        store: Store, secrets: ServerSecrets, httpClient: HTTPClient, logger: Logger, interval: Duration = .seconds(2)
    ) {
        self.store = store
        self.secrets = secrets
        self.httpClient = httpClient
        self.logger = logger
        self.interval = interval
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await deliverDue()
                } catch is CancellationError {
                    return
                } catch {
                    logger.warning("alert deliveries could not be read", metadata: ["error": "\(error)"])
                }
                try? await Task.sleep(for: interval)
            }
        }
    }

    /// Attempts every delivery that is due; returns how many were attempted.
    @discardableResult
    public func deliverDue() async throws -> Int {
        let due = try await store.alerts.due(at: store.clock.now())
        for (delivery, alert, version) in due {
            try await attempt(
                delivery, alert: alert,
                secret: secrets.alertWebhookSecret(project: delivery.projectID, version: version))
        }
        return due.count
    }

    func attempt(_ delivery: AlertDeliveryRecord, alert: KeyAlertRecord, secret: String) async throws {
        let body = Array(JSON.data(AlertEventJSON(alert)))
        let timestamp = store.clock.now().microsSinceEpoch / 1_000_000
        var request = HTTPClientRequest(url: delivery.url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "opub-alerts/1")
        request.headers.add(name: "Opub-Event-Id", value: alert.id.rawValue)
        request.headers.add(name: "Opub-Delivery", value: delivery.id.rawValue)
        request.headers.add(
            name: "Opub-Signature", value: StripeSignature.header(payload: body, secret: secret, timestamp: timestamp))
        request.body = .bytes(ByteBuffer(bytes: body))
        var code: Int?
        var failure: String?
        do {
            let response = try await httpClient.execute(request, timeout: .seconds(10))
            code = Int(response.status.code)
            _ = try? await response.body.collect(upTo: 64 * 1024)
            if !(200..<300).contains(code ?? 0) { failure = "answered HTTP \(code ?? 0)" }
        } catch {
            failure = "no answer: \(error)"
        }
        let attempts = Int(delivery.attempts) + 1
        let retryAt: Timestamp? =
            failure == nil || attempts > Self.retryDelays.count
            ? nil : store.clock.now().adding(seconds: Self.retryDelays[attempts - 1])
        try await store.alerts.recordAttempt(
            delivery.id, delivered: failure == nil, statusCode: code, error: failure, retryAt: retryAt)
        if let failure {
            logger.notice(
                "alert delivery failed",
                metadata: ["delivery": "\(delivery.id)", "attempt": "\(attempts)", "why": "\(failure)"])
        }
    }
}

/// The body of an alert delivery.
struct AlertEventJSON: Encodable {
    struct Alert: Encodable {
        let id: String
        let kind: String
        let project: String
        let key: KeyRefJSON
        let message: String
        @NullEncoded var amount: AmountJSON?
        let createdAt: String

        enum CodingKeys: String, CodingKey {
            case id, kind, project, key, message, amount
            case createdAt = "created_at"
        }
    }

    let id: String
    let type: String
    let created: Int64
    let data: Alert

    init(_ alert: KeyAlertRecord) {
        id = alert.id.rawValue
        type = "key.alert"
        created = alert.createdAt.microsSinceEpoch / 1_000_000
        data = Alert(
            id: alert.id.rawValue, kind: alert.kind.rawValue, project: alert.projectID.rawValue,
            key: KeyRefJSON(id: alert.keyID.rawValue, name: alert.keyName), message: alert.message,
            amount: alert.amount.map(AmountJSON.init), createdAt: alert.createdAt.iso8601)
    }
}
