import Hummingbird
import OpubCore
import OpubStore

/// Donations: create (signed in, CSRF, rate-limited), a project's public list, and "my donations".
struct DonationRoutes: RouteModule {
    let dependencies: AppDependencies

    func register(on routes: RouteRegistrar) {
        routes.post("/api/v1/projects/{owner}/{repo}/donations") { request, context in
            try await create(request, context)
        }
        routes.get("/api/v1/projects/{owner}/{repo}/donations") { request, context in
            let resolved = try await ProjectPath.resolve(context, store: dependencies.store)
            if let redirect = ProjectPath.redirectIfRenamed(resolved, request: request) { return redirect }
            let query = request.uri.queryParameters
            let limit = try QueryParameters.limit(query.get("limit"))
            let cursor = try donationCursor(query.get("cursor"))
            let page = try await dependencies.store.donations.completed(
                in: resolved.record.id, cursor: cursor, limit: limit)
            return JSON.response(PageJSON(items: page.items.map(PublicDonationJSON.init), nextCursor: page.nextCursor))
        }
        routes.get("/api/v1/me/donations") { request, context in
            let identity = try context.requireIdentity()
            let query = request.uri.queryParameters
            let limit = try QueryParameters.limit(query.get("limit"))
            let cursor = try donationCursor(query.get("cursor"))
            let page = try await dependencies.store.donations.made(by: identity.user.id, cursor: cursor, limit: limit)
            var names: [ProjectID: String] = [:]
            var items: [MyDonationJSON] = []
            for record in page.items {
                if names[record.projectID] == nil {
                    names[record.projectID] = try await dependencies.store.projects.find(record.projectID)?.name
                        .description
                }
                items.append(MyDonationJSON(record, project: names[record.projectID] ?? ""))
            }
            return JSON.response(PageJSON(items: items, nextCursor: page.nextCursor))
        }
    }

    func donationCursor(_ text: String?) throws -> TimeCursor? {
        try QueryParameters.cursor(text) { text throws(StoreError) in try TimeCursor.donations(decoding: text) }
    }

    func create(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let name = try ProjectPath.name(context)
        try await dependencies.rateLimits.check(dependencies.rateLimits.donationCreation, context: context)
        let body = try await RequestBodies.jsonObject(request, allowed: ["amount", "attribution"])
        let amountText = try body.requiredString("amount", example: "25.00")
        let amount: Money
        do {
            amount = try Money.parse(amountText)
        } catch {
            throw APIError.badRequest("invalid_amount", error.description, details: ["field": .string("amount")])
        }
        let attributionBody = try body.optionalObject(
            "attribution", allowed: ["display_name", "anonymous", "message"])
        let attribution = try DonationAttribution(
            displayName: try attributionBody?.optionalString("display_name"),
            anonymous: try attributionBody?.optionalBool("anonymous"),
            message: try attributionBody?.optionalString("message"), defaultName: identity.user.login)
        let (donation, url) = try await DonationCheckout(dependencies: dependencies).start(
            for: identity, name: name, amount: amount, attribution: attribution)
        return JSON.response(CheckoutJSON(donationID: donation.id.rawValue, checkoutURL: url), status: .created)
    }
}
