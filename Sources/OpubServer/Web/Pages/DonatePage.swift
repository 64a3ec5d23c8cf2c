import HTTPTypes
import Hummingbird
import OpubCore
import OpubStore

/// `GET /github/{owner}/{repo}/donate` (the form) and `POST` (start the checkout): amount and public
/// attribution, then `303` to the checkout page (Stripe Checkout, or the sandbox checkout). The post goes
/// through ``DonationCheckout``, the same code as the JSON API; a refused amount or attribution shows the
/// form again with the reason next to the field and what was typed kept.
///
/// A repository without a page can be donated to: the first donation creates its unclaimed page.
struct DonatePage {
    let dependencies: AppDependencies
    static let presets = [5, 10, 25, 50, 100]

    struct Model {
        let fullName: String
        let path: String
        let exists: Bool
        let suspended: Bool
        let minimum: String
        let maximum: String
        let csrfToken: String?
        let amount: String
        let presets: [Preset]
        let displayName: String
        let anonymous: Bool
        let message: String
        let maximumNameLength: Int
        let maximumMessageLength: Int
        let cancelled: Bool
        let amountError: String?
        let nameError: String?
        let messageError: String?
        let formError: String?
        let hasErrors: Bool
    }

    struct Preset {
        let value: String
        let label: String
    }

    /// What the donor typed, and why it was refused.
    struct Form {
        var amount = ""
        var displayName = ""
        var anonymous = false
        var message = ""
        var amountError: String?
        var nameError: String?
        var messageError: String?
        var formError: String?
    }

    func show(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        var form = Form()
        form.displayName = context.identity?.user.login ?? ""
        return try await render(request, context, form: form, status: .ok)
    }

    func render(
        _ request: Request, _ context: AppRequestContext, form: Form, status: HTTPResponse.Status
    ) async throws -> Response {
        let name = try WebProject.name(context)
        var exists = false
        var suspended = false
        switch try await WebProject.lookup(request, context, store: dependencies.store) {
        case .found(let record):
            exists = true
            suspended = record.suspendedAt != nil
        case .moved(let response):
            return response
        case .missing:
            break
        }
        let limits = dependencies.configuration.donationLimits
        let model = Model(
            fullName: name.description, path: WebProject.path(name), exists: exists, suspended: suspended,
            minimum: limits.minimum.formatted(), maximum: limits.maximum.formatted(),
            csrfToken: context.identity?.csrfToken, amount: form.amount,
            presets: Self.presets.filter {
                Money(dollars: Int64($0)) >= limits.minimum && Money(dollars: Int64($0)) <= limits.maximum
            }.map { Preset(value: "\($0).00", label: "$\($0)") },
            displayName: form.displayName, anonymous: form.anonymous, message: form.message,
            maximumNameLength: DonationAttribution.maximumNameLength,
            maximumMessageLength: DonationAttribution.maximumMessageLength,
            cancelled: request.uri.queryParameters.get("cancelled") == "1",
            amountError: form.amountError, nameError: form.nameError, messageError: form.messageError,
            formError: form.formError,
            hasErrors: form.amountError != nil || form.nameError != nil || form.messageError != nil
                || form.formError != nil)
        return try PageResponder(configuration: dependencies.configuration).render(
            "pages/donate", title: "Donate to \(name)", content: model, request: request,
            identity: context.identity, section: .projects, status: status)
    }

    func submit(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let name = try WebProject.name(context)
        guard let identity = context.identity else {
            return PlainResponse.redirect(to: SignInLink.url(returnTo: WebProject.path(name) + "/donate"))
        }
        let fields = try await RequestBodies.fields(
            request, allowed: ["csrf_token", "amount", "attribution", "display_name", "message"])
        var form = Form()
        form.amount = fields["amount"] ?? ""
        form.displayName = fields["display_name"] ?? ""
        form.anonymous = fields["attribution"] == "anonymous"
        form.message = fields["message"] ?? ""
        let amount: Money
        do {
            amount = try Money.parse(form.amount)
        } catch {
            form.amountError = error.description
            return try await render(request, context, form: form, status: .unprocessableContent)
        }
        let attribution: DonationAttribution
        do {
            let typedName = form.displayName.trimmingSpaces()
            attribution = try DonationAttribution(
                displayName: form.anonymous || typedName.isEmpty ? nil : typedName, anonymous: form.anonymous,
                message: form.message, defaultName: identity.user.login)
        } catch {
            if case .string(let field)? = error.details["field"], field.hasSuffix("message") {
                form.messageError = error.message
            } else {
                form.nameError = error.message
            }
            return try await render(request, context, form: form, status: .unprocessableContent)
        }
        do {
            try await dependencies.rateLimits.check(dependencies.rateLimits.donationCreation, context: context)
            let (_, checkoutURL) = try await DonationCheckout(dependencies: dependencies).start(
                for: identity, name: name, amount: amount, attribution: attribution)
            return PlainResponse.redirect(to: checkoutURL)
        } catch let error as APIError {
            if ["donation_too_small", "donation_too_large"].contains(error.code) {
                form.amountError = error.message
            } else {
                form.formError = error.message
            }
            return try await render(request, context, form: form, status: error.status)
        }
    }
}
