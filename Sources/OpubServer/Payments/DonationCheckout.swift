import OpubCore
import OpubStore

/// Starting a donation (`POST /api/v1/projects/{owner}/{repo}/donations`): check the amount, find
/// the project (a first donation to a public repository creates its unclaimed page, which holds
/// the money until a maintainer claims it), record a `pending` donation, and create the Stripe
/// Checkout Session the donor pays on. No money moves until Stripe's webhook says paid.
struct DonationCheckout: Sendable {
    let dependencies: AppDependencies

    func start(
        for identity: SignedIn, name: RepositoryName, amount: Money, attribution: DonationAttribution
    ) async throws -> (DonationRecord, String) {
        let limits = dependencies.configuration.donationLimits
        guard amount >= limits.minimum else {
            throw APIError.unprocessable(
                "donation_too_small", "The smallest donation is \(limits.minimum.formatted()).",
                details: ["minimum": .string(limits.minimum.centsString)])
        }
        guard amount <= limits.maximum else {
            throw APIError.unprocessable(
                "donation_too_large", "The largest donation is \(limits.maximum.formatted()); split larger gifts.",
                details: ["maximum": .string(limits.maximum.centsString)])
        }
        let project = try await project(named: name, for: identity)
        guard project.suspendedAt == nil else {
            throw APIError.conflict(
                "project_suspended", "\(project.name) is suspended and cannot take donations right now.")
        }
        var generator = RandomSourceGenerator(dependencies.random)
        let id = DonationID.random(using: &generator)
        let store = dependencies.store
        let donation = try await store.donations.createPending(
            id, project: project.id, user: identity.user.id, amount: amount, displayName: attribution.displayName,
            anonymous: attribution.isAnonymous, message: attribution.message)
        let page = "/github/\(project.name.owner)/\(project.name.repo)"
        let request = CheckoutSessionRequest(
            donationID: id, amountCents: amount.wholeCents, project: project.name,
            successURL: dependencies.urls.url("\(page)?donation=\(id)"),
            cancelURL: dependencies.urls.url("\(page)/donate?donation=\(id)&cancelled=1"))
        let session: CheckoutSession
        do {
            session = try await dependencies.stripe.createCheckoutSession(request)
        } catch {
            try await store.donations.abandon(id)
            dependencies.logger.error(
                "could not create a checkout session", metadata: ["donation": "\(id)", "error": "\(error)"])
            throw APIError.upstream(
                "payments", "The payment provider could not start the checkout; nothing was charged, try again shortly."
            )
        }
        try await store.donations.attachCheckout(id, sessionID: session.id, url: session.url)
        return (donation, session.url)
    }

    func project(named name: RepositoryName, for identity: SignedIn) async throws -> ProjectRecord {
        if let resolved = try await dependencies.store.projects.resolve(name) { return resolved.record }
        let repository = try await RepositoryCheck(dependencies: dependencies).publicRepository(name, for: identity)
        return try await ProjectRegistration(dependencies: dependencies).ensureProject(repository).0
    }
}
