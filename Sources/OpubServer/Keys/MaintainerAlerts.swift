import Foundation
import OpubCore
import OpubStore

/// What a project's maintainers see and set about alerts: the latest alerts, the alert webhook (URL
/// and its signing secret) with its delivery log, and per key the direct-use spend past which the key
/// revokes itself. For the JSON API and the keys page alike, after the verified-maintainer check.
struct MaintainerAlerts: Sendable {
    let dependencies: AppDependencies

    var store: Store { dependencies.store }

    struct Overview: Sendable {
        let project: ProjectRecord
        let alerts: [KeyAlertRecord]
        let webhook: AlertWebhook?
        let signingSecret: String?
        let deliveries: [AlertDeliveryRecord]
        let thresholds: [KeyID: Money]
    }

    func overview(_ name: RepositoryName, by identity: SignedIn) async throws -> Overview {
        let project = try await MaintainerKeys(dependencies: dependencies).authorize(name, identity)
        return try await overview(of: project)
    }

    func overview(of project: ProjectRecord) async throws -> Overview {
        let webhook = try await store.alerts.webhook(of: project.id)
        let thresholds = try await store.alerts.directUseRevokes(in: project.id)
        return Overview(
            project: project, alerts: try await store.alerts.recent(of: project.id),
            webhook: webhook,
            signingSecret: webhook.map {
                dependencies.secrets.alertWebhookSecret(project: project.id, version: $0.secretVersion)
            },
            deliveries: try await store.alerts.deliveries(of: project.id), thresholds: thresholds)
    }

    /// Sets the webhook URL (nil removes it).
    func setWebhook(_ name: RepositoryName, url text: String?, by identity: SignedIn) async throws -> Overview {
        let project = try await MaintainerKeys(dependencies: dependencies).authorize(name, identity)
        let url = try text.map {
            try AlertWebhookURL.check($0, production: dependencies.configuration.github.mode == .real)
        }
        try await store.alerts.setWebhook(project.id, url: url)
        return try await overview(of: project)
    }

    /// A new signing secret for the webhook.
    func rollSecret(_ name: RepositoryName, by identity: SignedIn) async throws -> Overview {
        let project = try await MaintainerKeys(dependencies: dependencies).authorize(name, identity)
        guard try await store.alerts.webhook(of: project.id) != nil else {
            throw APIError.conflict("no_webhook", "Set an alert webhook URL first; its signing secret comes with it.")
        }
        try await store.alerts.rollWebhookSecret(project.id)
        return try await overview(of: project)
    }

    /// Sets (or with nil clears) the direct-use spend past which `key` revokes itself.
    func setDirectUseRevoke(
        _ key: KeyID, in name: RepositoryName, threshold: Money?, by identity: SignedIn
    ) async throws -> ComputeKeyRecord {
        let project = try await MaintainerKeys(dependencies: dependencies).authorize(name, identity)
        guard let record = try await store.keys.find(key), record.projectID == project.id else {
            throw APIError.notFound(
                "key_not_found", "\(project.name) has no compute key \(key).", details: ["key": .string("\(key)")])
        }
        if let threshold {
            guard threshold.isPositive, threshold.isWholeCents else {
                throw APIError.badRequest(
                    "invalid_threshold", "The threshold is a positive amount in whole cents, for example 5.00.",
                    details: ["field": .string("threshold")])
            }
        }
        try await store.alerts.setDirectUseRevoke(key, threshold: threshold)
        return record
    }
}

/// The rules for an alert webhook URL.
public enum AlertWebhookURL {
    /// An alert webhook URL: http or https with a host, at most 2,000 characters. In production it must
    /// be https and may not name this machine or a private network by address (the server would post
    /// to its own neighbours on a maintainer's say-so).
    public static func check(_ text: String, production: Bool) throws -> String {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard trimmed.count <= 2_000, let components = URLComponents(string: trimmed),
            let scheme = components.scheme?.lowercased(), ["http", "https"].contains(scheme),
            let host = components.host?.lowercased(), !host.isEmpty, components.user == nil
        else {
            throw APIError.badRequest(
                "invalid_webhook_url", "Give the webhook as an https URL, for example https://example.org/opub-alerts.",
                details: ["field": .string("url")])
        }
        if production {
            guard scheme == "https" else {
                throw APIError.badRequest(
                    "invalid_webhook_url", "The alert webhook must use https.", details: ["field": .string("url")])
            }
            let isPrivate =
                host == "localhost" || host.hasSuffix(".localhost") || host.hasPrefix("127.") || host.hasPrefix("10.")
                || host.hasPrefix("192.168.") || host.hasPrefix("169.254.") || host == "0.0.0.0" || host.hasPrefix("[")
                || (host.hasPrefix("172.")
                    && (16...31).contains(Int(host.split(separator: ".").dropFirst().first ?? "") ?? 0))
            guard !isPrivate else {
                throw APIError.badRequest(
                    "invalid_webhook_url",
                    "The alert webhook must be a public host, not this machine or a private network.",
                    details: ["field": .string("url")])
            }
        }
        return trimmed
    }
}

/// An alert as maintainers see it.
struct AlertJSON: Encodable {
    let id: String
    let kind: String
    let key: KeyRefJSON
    let message: String
    @NullEncoded var amount: AmountJSON?
    let createdAt: String

    init(_ alert: KeyAlertRecord) {
        id = alert.id.rawValue
        kind = alert.kind.rawValue
        key = KeyRefJSON(id: alert.keyID.rawValue, name: alert.keyName)
        message = alert.message
        amount = alert.amount.map(AmountJSON.init)
        createdAt = alert.createdAt.iso8601
    }

    enum CodingKeys: String, CodingKey {
        case id, kind, key, message, amount
        case createdAt = "created_at"
    }
}

/// The alerts overview: latest alerts, the webhook and its delivery log.
struct AlertsJSON: Encodable {
    struct Webhook: Encodable {
        let url: String
        let signingSecret: String

        enum CodingKeys: String, CodingKey {
            case url
            case signingSecret = "signing_secret"
        }
    }

    struct Delivery: Encodable {
        let id: String
        let alert: String
        let status: String
        let attempts: Int64
        @NullEncoded var lastStatusCode: Int64?
        @NullEncoded var lastError: String?
        let updatedAt: String

        enum CodingKeys: String, CodingKey {
            case id, alert, status, attempts
            case lastStatusCode = "last_status_code"
            case lastError = "last_error"
            case updatedAt = "updated_at"
        }
    }

    let items: [AlertJSON]
    @NullEncoded var webhook: Webhook?
    let deliveries: [Delivery]

    init(_ overview: MaintainerAlerts.Overview) {
        items = overview.alerts.map(AlertJSON.init)
        webhook = overview.webhook.map { Webhook(url: $0.url, signingSecret: overview.signingSecret ?? "") }
        deliveries = overview.deliveries.map {
            Delivery(
                id: $0.id.rawValue, alert: $0.alertID.rawValue, status: $0.status.rawValue, attempts: $0.attempts,
                lastStatusCode: $0.lastStatusCode, lastError: $0.lastError, updatedAt: $0.updatedAt.iso8601)
        }
    }
}

/// The answer to setting a key's direct-use revoke threshold: the threshold now set (null: none).
struct DirectUseRevokeJSON: Encodable {
    let key: String
    @NullEncoded var threshold: AmountJSON?
}

/// The maintainers' alert routes (signed in, CSRF).
struct AlertRoutes: RouteModule {
    let dependencies: AppDependencies

    func register(on routes: RouteRegistrar) {
        let alerts = MaintainerAlerts(dependencies: dependencies)
        routes.get("/api/v1/projects/{owner}/{repo}/alerts") { _, context in
            let overview = try await alerts.overview(try ProjectPath.name(context), by: try context.requireIdentity())
            return JSON.response(AlertsJSON(overview))
        }
        routes.on(.put, "/api/v1/projects/{owner}/{repo}/alert-webhook") { request, context in
            let body = try await RequestBodies.jsonObject(request, allowed: ["url"])
            let overview = try await alerts.setWebhook(
                try ProjectPath.name(context), url: try body.requiredString("url", example: "https://example.org/hook"),
                by: try context.requireIdentity())
            return JSON.response(AlertsJSON(overview))
        }
        routes.on(.delete, "/api/v1/projects/{owner}/{repo}/alert-webhook") { _, context in
            _ = try await alerts.setWebhook(try ProjectPath.name(context), url: nil, by: try context.requireIdentity())
            return PlainResponse.noContent()
        }
        routes.post("/api/v1/projects/{owner}/{repo}/alert-webhook/secret") { _, context in
            let overview = try await alerts.rollSecret(try ProjectPath.name(context), by: try context.requireIdentity())
            return JSON.response(AlertsJSON(overview))
        }
        routes.on(.put, "/api/v1/projects/{owner}/{repo}/keys/{key}/direct-use-revoke") { request, context in
            let body = try await RequestBodies.jsonObject(request, allowed: ["threshold"])
            let threshold = try body.optionalString("threshold").map { text in
                do { return try Money.parse(text) } catch {
                    throw APIError.badRequest(
                        "invalid_threshold", String(describing: error), details: ["field": .string("threshold")])
                }
            }
            let key = try await alerts.setDirectUseRevoke(
                try ProjectPath.key(context), in: try ProjectPath.name(context), threshold: threshold,
                by: try context.requireIdentity())
            return JSON.response(
                DirectUseRevokeJSON(key: key.id.rawValue, threshold: threshold.map(AmountJSON.init)))
        }
    }
}
