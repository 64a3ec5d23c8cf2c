import Hummingbird
import OpenRouter
import OpubCore
import OpubStore
import OpubSurfaces

/// The maintainers' key routes (signed in, CSRF): list, create (the secret once), rotate (the new
/// secret once), revoke.
struct KeyRoutes: RouteModule {
    let dependencies: AppDependencies

    func register(on routes: RouteRegistrar) {
        routes.get("/api/v1/projects/{owner}/{repo}/keys") { _, context in
            let identity = try context.requireIdentity()
            let list = try await MaintainerKeys(dependencies: dependencies).list(
                try ProjectPath.name(context), by: identity)
            return JSON.response(PageJSON(items: list.keys.map(KeyJSON.init), nextCursor: nil))
        }
        routes.post("/api/v1/projects/{owner}/{repo}/keys") { request, context in
            try await create(request, context)
        }
        routes.post("/api/v1/projects/{owner}/{repo}/keys/{key}/rotate") { _, context in
            let identity = try context.requireIdentity()
            try await dependencies.rateLimits.check(dependencies.rateLimits.keyCreation, context: context)
            let rotated = try await MaintainerKeys(dependencies: dependencies).rotate(
                try ProjectPath.key(context), in: try ProjectPath.name(context), by: identity)
            return JSON.response(
                CreatedKeyJSON(rotated, installCommand: dependencies.installCommand), status: .created)
        }
        routes.post("/api/v1/projects/{owner}/{repo}/keys/{key}/revoke") { _, context in
            let identity = try context.requireIdentity()
            let key = try ProjectPath.key(context)
            let outcome = try await MaintainerKeys(dependencies: dependencies).revoke(
                key, in: try ProjectPath.name(context), by: identity)
            return JSON.response(RevokedJSON(key, outcome), status: outcome == .revoked ? .ok : .accepted)
        }
    }

    func create(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let name = try ProjectPath.name(context)
        let keyRequest = try await Self.keyRequest(request)
        try await dependencies.rateLimits.check(dependencies.rateLimits.keyCreation, context: context)
        let created: CreatedComputeKey
        do {
            created = try await MaintainerKeys(dependencies: dependencies).create(keyRequest, in: name, by: identity)
        } catch MaintainerKeysError.request(let refusal) {
            var answer = MaintainerKeysError.request(refusal).apiError
            if let field = refusal.field { answer.details["field"] = .string(Self.fieldName(field, of: keyRequest)) }
            throw answer
        }
        return JSON.response(
            CreatedKeyJSON(created, installCommand: dependencies.installCommand), status: .created)
    }

    /// Reads the body of `POST …/keys` into a ``KeyRequest``: `name`, exactly one of `limit` (a one-off
    /// amount) and `allowance` (an amount per UTC month), and an optional `expires_at`.
    static func keyRequest(_ request: Request) async throws -> KeyRequest {
        let body = try await RequestBodies.jsonObject(request, allowed: ["name", "limit", "allowance", "expires_at"])
        let keyName = try body.requiredString("name", example: "laptop")
        let limitText = try body.optionalString("limit")
        let allowanceText = try body.optionalString("allowance")
        guard (limitText == nil) != (allowanceText == nil) else {
            throw APIError.badRequest(
                limitText == nil ? "missing_field" : "invalid_limit",
                "Give either limit (a one-off amount, for example \"25.00\") or allowance (an amount per month), "
                    + "not both.",
                details: ["field": .string("limit")])
        }
        let field = limitText == nil ? "allowance" : "limit"
        let amount: Money
        do {
            amount = try Money.parse(limitText ?? allowanceText ?? "")
        } catch {
            throw APIError.badRequest("invalid_limit", error.description, details: ["field": .string(field)])
        }
        return KeyRequest(
            name: keyName, amount: allowanceText == nil ? .limit(amount) : .monthly(amount),
            expiresAt: try expiry(try body.optionalString("expires_at")))
    }

    /// The JSON field a refusal of `request` points at.
    static func fieldName(_ field: KeyRequestField, of request: KeyRequest) -> String {
        switch field {
        case .name: return "name"
        case .amount: return request.isMonthly ? "allowance" : "limit"
        case .expiry: return "expires_at"
        }
    }

    /// Reads an optional ISO 8601 expiry (`2027-01-31T00:00:00Z`).
    static func expiry(_ text: String?) throws -> Timestamp? {
        guard let text, !text.isEmpty else { return nil }
        guard let timestamp = ProviderTimestamp.parse(text) else {
            throw APIError.badRequest(
                "invalid_expiry", "expires_at must be an ISO 8601 time, for example 2027-01-31T00:00:00Z.",
                details: ["field": .string("expires_at")])
        }
        return timestamp
    }
}

extension AppDependencies {
    /// The one line that installs the CLI from this server.
    public var installCommand: String { "curl -fsSL \(urls.url("/install.sh")) | sh" }
}

/// The key service's refusals as the JSON API answers them (the web pages render the same errors).
extension MaintainerKeysError: APIErrorConvertible {
    public var apiError: APIError {
        switch self {
        case .projectNotFound(let name):
            return .notFound("project_not_found", description, details: ["project": .string(name.description)])
        case .keyNotFound(let key, _):
            return .notFound("key_not_found", description, details: ["key": .string(key.rawValue)])
        case .request(let error):
            let details: [String: JSONValue] = ["reason": .string(error.code)]
            switch error {
            case .nameInvalid, .limitNotWholeCents, .expiryInPast, .expiryTooFar:
                return .badRequest(error.code, description, details: details)
            case .limitBelowMinimum, .limitAboveAvailable, .projectInDebt:
                return .unprocessable(error.code, description, details: details)
            case .projectNotClaimed, .projectSuspended:
                return .conflict(error.code, description, details: details)
            }
        case .rotationRefused(let refusal, let key):
            return .conflict(refusal.code, description, details: ["key": .string(key.rawValue)])
        case .ledgerRefusedRotation:
            return .conflict("rotation_refused", description)
        case .stillProvisioning(let key, _):
            return .conflict("key_provisioning", description, details: ["key": .string(key.rawValue)])
        case .providerNotConfigured:
            return APIError(.serviceUnavailable, code: "provider_not_configured", message: description)
        case .providerUnavailable:
            return APIError(.badGateway, code: "provider_unavailable", message: description)
        }
    }
}
