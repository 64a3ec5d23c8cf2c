import HTTPTypes
import Hummingbird

/// The friendly error page a browser gets instead of the JSON error (``ErrorMiddleware`` decides):
/// the same status, a heading that says what happened, the error's own sentence (written for people),
/// and where to go next. A `GET` that needs a signed-in user is sent to sign in and back instead.
struct ErrorPage {
    let responder: PageResponder

    struct Model {
        let status: Int
        let heading: String
        let explanation: String
        /// Shown for server errors, so that a report can name the request.
        let requestID: String?
        let suggestSignIn: Bool
        let notFound: Bool
    }

    func response(for error: APIError, request: Request, requestID: String, identity: SignedIn?) -> Response? {
        if error.status == .unauthorized, request.method == .get || request.method == .head {
            return SignInLink.redirect(for: request)
        }
        let model = Model(
            status: error.status.code, heading: Self.heading(for: error.status), explanation: error.message,
            requestID: error.status.code >= 500 ? requestID : nil,
            suggestSignIn: identity == nil && [401, 403].contains(error.status.code),
            notFound: error.status == .notFound)
        do {
            var response = try responder.render(
                "pages/error", title: model.heading, content: model, request: request, identity: identity,
                status: error.status, caching: .noStore)
            for field in error.headers { response.headers.append(field) }
            return response
        } catch {
            return nil
        }
    }

    static func heading(for status: HTTPResponse.Status) -> String {
        switch status.code {
        case 400: return "That request was not accepted"
        case 401: return "Sign in to continue"
        case 403: return "You can't do that here"
        case 404: return "Page not found"
        case 405: return "That action isn't available here"
        case 409: return "That clashes with the current state"
        case 413: return "That was too much to send"
        case 422: return "That can't be done"
        case 429: return "Slow down a little"
        case 400..<500: return "That request was not accepted"
        case 502, 503, 504: return "A service we depend on is not answering"
        default: return "Something went wrong on our side"
        }
    }
}
