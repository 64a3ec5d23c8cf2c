import Hummingbird
import OpubCore

/// What the layout around every page shows: the sandbox banner, who is signed in (with the CSRF
/// token of the sign-out form), where "Sign in" returns to, and which section is current.
struct SiteModel: Sendable {
    /// The banner text in sandbox mode (every part or some parts simulated); nil in production.
    let sandboxBanner: String?
    let viewer: Viewer?
    /// `/auth/github?return_to=…` back to this page.
    let signInURL: String
    let nav: NavState
    /// The asset version (stylesheet ETag), so a new stylesheet is fetched at once after a deploy.
    let assetVersion: String

    struct Viewer: Sendable {
        let login: String
        let csrfToken: String
    }

    /// Which top-level section is current (for `aria-current="page"`).
    struct NavState: Sendable {
        var home = false
        var projects = false
        var docs = false
        var glossary = false
        var me = false
    }

    enum Section: Sendable {
        case home, projects, docs, glossary, me
    }

    init(configuration: ServerConfiguration, identity: SignedIn?, returnTo: String, section: Section?) {
        sandboxBanner = Self.banner(configuration.sandboxParts)
        viewer = identity.map { Viewer(login: $0.user.login, csrfToken: $0.csrfToken) }
        signInURL = SignInLink.url(returnTo: returnTo)
        var nav = NavState()
        switch section {
        case .home?: nav.home = true
        case .projects?: nav.projects = true
        case .docs?: nav.docs = true
        case .glossary?: nav.glossary = true
        case .me?: nav.me = true
        case nil: break
        }
        self.nav = nav
        assetVersion = String(WebTemplates.assets["opub.css"]?.etag.dropFirst().prefix(12) ?? "0")
    }

    /// The words of the banner for the simulated parts.
    static func banner(_ parts: [ServicePart]) -> String? {
        guard !parts.isEmpty else { return nil }
        if parts.count == ServicePart.allCases.count {
            return "Sandbox mode: sign-in, payments and the provider are simulated. No real money moves."
        }
        let names = parts.map { part -> String in
            switch part {
            case .github: return "sign-in"
            case .payments: return "payments"
            case .provider: return "the provider"
            }
        }
        let list = names.count == 2 ? names.joined(separator: " and ") : names.joined(separator: ", ")
        let moves = parts.contains(.payments) ? " No real money moves." : ""
        return "Sandbox mode: \(list) \(parts.count == 1 ? "is" : "are") simulated.\(moves)"
    }
}

/// Links to sign-in that come back to a page.
enum SignInLink {
    static func url(returnTo: String) -> String {
        "/auth/github?return_to=" + FormEncoding.escape(ReturnPath.sanitize(returnTo))
    }

    /// A `303` to sign-in, for a page that needs a signed-in user.
    static func redirect(for request: Request) -> Response {
        PlainResponse.redirect(to: url(returnTo: PageResponder.returnPath(request)))
    }
}
