import Hummingbird
import OpubCore
import OpubStore

/// The sandbox checkout (only when payments are sandboxed): `GET /sandbox/checkout/{session}`
/// shows the donation with Pay and Cancel buttons; `POST …/complete` and `POST …/cancel` make the
/// event Stripe would send (`checkout.session.completed` paid, or `checkout.session.expired`), sign
/// it, and deliver it through the webhook processor. Only the donor who started the checkout may
/// use it (CSRF applies as to every state change).
struct SandboxCheckoutRoutes: RouteModule {
    let dependencies: AppDependencies
    let processor: StripeWebhookProcessor

    func register(on routes: RouteRegistrar) {
        routes.page("/sandbox/checkout/{session}") { request, context in try await page(request, context) }
        routes.post("/sandbox/checkout/{session}/complete") { request, context in
            try await finish(request, context, paid: true)
        }
        routes.post("/sandbox/checkout/{session}/cancel") { request, context in
            try await finish(request, context, paid: false)
        }
    }

    func donation(_ context: AppRequestContext, for identity: SignedIn) async throws -> DonationRecord {
        let session = context.parameters.get("session") ?? ""
        guard session.hasPrefix("cs_sandbox_"), session.count <= 64,
            let donation = try await dependencies.store.donations.find(checkoutSessionID: session),
            donation.userID == identity.user.id
        else {
            throw APIError.notFound(
                "checkout_not_found", "There is no sandbox checkout \(session) of yours; start the donation again.")
        }
        return donation
    }

    func page(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        guard let identity = context.identity else {
            return PlainResponse.redirect(to: "/auth/sandbox?return_to=\(FormEncoding.escape(request.uri.path))")
        }
        let donation = try await donation(context, for: identity)
        let project = try await dependencies.store.projects.find(donation.projectID)
        let model = CheckoutModel(
            amount: donation.amount.formatted(), projectName: project?.name.description ?? "",
            projectPath: project.map { WebProject.path($0.name) } ?? "/", displayName: donation.displayName,
            message: donation.message, pending: donation.status == .pending, status: donation.status.rawValue,
            path: request.uri.path, csrfToken: identity.csrfToken)
        return try PageResponder(configuration: dependencies.configuration).render(
            "pages/sandbox-checkout", title: "Sandbox checkout", content: model, request: request,
            identity: identity, caching: .noStore)
    }

    struct CheckoutModel {
        let amount: String
        let projectName: String
        let projectPath: String
        /// Nil when the donor chose to be anonymous.
        let displayName: String?
        let message: String?
        let pending: Bool
        let status: String
        let path: String
        let csrfToken: String
    }

    func finish(_ request: Request, _ context: AppRequestContext, paid: Bool) async throws -> Response {
        let identity = try context.requireIdentity()
        var donation = try await donation(context, for: identity)
        if donation.status == .pending {
            let now = dependencies.clock.now()
            let random = dependencies.random
            let object = SandboxStripeEvents.checkoutSession(
                donation, paymentIntent: "pi_sandbox_" + Hex.encode(random.bytes(12)), paid: paid)
            let payload = SandboxStripeEvents.event(
                id: "evt_sandbox_" + Hex.encode(random.bytes(12)),
                type: paid ? "checkout.session.completed" : "checkout.session.expired", object: object, now: now)
            _ = try await SandboxStripeEvents.deliver(
                payload, processor: processor, secret: dependencies.webhookSecret, now: now)
            donation = try await dependencies.store.donations.find(donation.id) ?? donation
        }
        if RequestBodies.isForm(request) {
            let project = try await dependencies.store.projects.find(donation.projectID)
            let page = project.map { "/github/\($0.name.owner)/\($0.name.repo)" } ?? "/"
            return PlainResponse.redirect(
                to: paid ? "\(page)?donation=\(donation.id)" : "\(page)/donate?donation=\(donation.id)&cancelled=1")
        }
        return JSON.response(
            SandboxCheckoutResultJSON(donationID: donation.id.rawValue, status: donation.status.rawValue))
    }
}

/// The answer to completing or abandoning a sandbox checkout: the donation's status.
struct SandboxCheckoutResultJSON: Encodable {
    let donationID: String
    let status: String

    enum CodingKeys: String, CodingKey {
        case donationID = "donation_id"
        case status
    }
}
