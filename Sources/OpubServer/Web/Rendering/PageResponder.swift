import HTTPTypes
import Hummingbird
import Logging

/// Turns a page model into an HTML response with the headers every page carries: a Content Security
/// Policy that allows only this site's stylesheet and copy-button script (no inline script or style,
/// no framing), `nosniff`, a same-origin referrer policy, and a cache policy (``Caching``).
struct PageResponder: Sendable {
    let configuration: ServerConfiguration

    /// How a page may be cached.
    enum Caching: Sendable {
        /// Revalidated on every visit and never stored by shared caches (pages show who is signed in).
        case revalidate
        /// Never stored anywhere: the key creation result (the secret) and other one-time answers.
        case noStore
    }

    /// The policy. `form-action` also covers where a form's redirect leads, so with real payments the
    /// donate form may continue to Stripe Checkout.
    var contentSecurityPolicy: String {
        var formAction = "'self'"
        if configuration.payments.mode == .real { formAction += " https://checkout.stripe.com" }
        return "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; "
            + "form-action \(formAction); base-uri 'none'; frame-ancestors 'none'"
    }

    func render<Content>(
        _ template: String, title: String, content: Content, request: Request, identity: SignedIn?,
        section: SiteModel.Section? = nil, status: HTTPResponse.Status = .ok, caching: Caching = .revalidate
    ) throws -> Response {
        let site = SiteModel(
            configuration: configuration, identity: identity, returnTo: Self.returnPath(request), section: section)
        let html = try WebTemplates.render(
            PageModel(title: title, site: site, content: content), template: template)
        return response(html, status: status, caching: caching)
    }

    func response(_ html: String, status: HTTPResponse.Status, caching: Caching) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = caching == .noStore ? "no-store" : "private, no-cache"
        headers[HTTPField.Name("Content-Security-Policy")!] = contentSecurityPolicy
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        headers[HTTPField.Name("Referrer-Policy")!] = "same-origin"
        headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        return Response(status: status, headers: headers, body: .init(byteBuffer: .init(string: html)))
    }

    /// The page to come back to after signing in: this path and its query.
    static func returnPath(_ request: Request) -> String {
        guard let query = request.uri.query, !query.isEmpty else { return request.uri.path }
        return request.uri.path + "?" + query
    }
}
