import Hummingbird
import OpenRouter
import OpubCore
import OpubStore

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
            let rotated = try await MaintainerKeys(dependencies: dependencies).rotate(
                try Self.keyID(context), in: try ProjectPath.name(context), by: identity, context: context)
            return JSON.response(
                CreatedKeyJSON(rotated, installCommand: dependencies.installCommand), status: .created)
        }
        routes.post("/api/v1/projects/{owner}/{repo}/keys/{key}/revoke") { _, context in
            let identity = try context.requireIdentity()
            let key = try Self.keyID(context)
            let outcome = try await MaintainerKeys(dependencies: dependencies).revoke(
                key, in: try ProjectPath.name(context), by: identity)
            return JSON.response(RevokedJSON(key, outcome), status: outcome == .revoked ? .ok : .accepted)
        }
    }

    func create(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let name = try ProjectPath.name(context)
        let body = try await RequestBodies.jsonObject(request, allowed: ["name", "limit", "allowance", "expires_at"])
        let keyName = try body.requiredString("name", example: "laptop")
        // A one-off `limit`, or an `allowance` per UTC month: exactly one of them.
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
        let limit: Money
        do {
            limit = try Money.parse(limitText ?? allowanceText ?? "")
        } catch {
            throw APIError.badRequest("invalid_limit", error.description, details: ["field": .string(field)])
        }
        let expiresAt = try Self.expiry(try body.optionalString("expires_at"))
        let created = try await MaintainerKeys(dependencies: dependencies).create(
            name, by: identity, context: context, keyName: keyName, limit: limit, expiresAt: expiresAt,
            monthly: allowanceText != nil)
        return JSON.response(
            CreatedKeyJSON(created, installCommand: dependencies.installCommand), status: .created)
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

    static func keyID(_ context: AppRequestContext) throws -> KeyID {
        let text = context.parameters.get("key") ?? ""
        guard let key = KeyID(text) else {
            throw APIError.badRequest(
                "invalid_key_id", "'\(text)' is not a compute key id; they look like ck_….",
                details: ["key": .string(text)])
        }
        return key
    }
}

extension AppDependencies {
    /// The one line that installs the CLI from this server.
    public var installCommand: String { "curl -fsSL \(urls.url("/install.sh")) | sh" }
}
