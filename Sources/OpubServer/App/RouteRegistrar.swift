import HTTPTypes
import Hummingbird

/// One registered route, as the OpenAPI coverage test and the 405 responder see it.
public struct RegisteredRoute: Sendable, Hashable {
    /// What a route answers: the JSON API (and the operational and webhook routes), described in the
    /// OpenAPI document; or a server-rendered HTML page (or the form post behind one), which is not.
    public enum Kind: Sendable, Hashable {
        case api
        case page
    }

    public let method: HTTPRequest.Method
    /// The path as registered, with `{name}` parameters (`/api/v1/projects/{owner}/{repo}`).
    public let path: String
    public let kind: Kind

    public init(method: HTTPRequest.Method, path: String, kind: Kind = .api) {
        self.method = method
        self.path = path
        self.kind = kind
    }
}

/// Every route the application serves, recorded as it is registered.
public struct RouteTable: Sendable {
    public private(set) var routes: [RegisteredRoute] = []

    mutating func add(_ route: RegisteredRoute) { routes.append(route) }

    /// The methods registered for a concrete request path, for `405 Method Not Allowed`.
    func methods(matching requestPath: String) -> [HTTPRequest.Method] {
        matching(requestPath).map(\.method)
    }

    /// True when the route serving `method` at `requestPath` is a page (or, when no route serves that
    /// method there, when only pages live at that path): its errors are pages too.
    func isPage(_ requestPath: String, method: HTTPRequest.Method) -> Bool {
        let routes = matching(requestPath)
        if let exact = routes.first(where: { $0.method == method }) { return exact.kind == .page }
        return !routes.isEmpty && routes.allSatisfy { $0.kind == .page }
    }

    func matching(_ requestPath: String) -> [RegisteredRoute] {
        let segments = requestPath.split(separator: "/", omittingEmptySubsequences: true)
        return routes.filter { route in
            let pattern = route.path.split(separator: "/", omittingEmptySubsequences: true)
            guard pattern.count == segments.count else { return false }
            return zip(pattern, segments).allSatisfy { $0.hasPrefix("{") || $0 == $1 }
        }
    }
}

/// How a feature adds routes: a ``RouteModule`` receives this and calls ``on(_:_:use:)``.
/// Paths use `{name}` for parameters; they are read with `context.parameters.get("name")`.
public final class RouteRegistrar {
    let router: Router<AppRequestContext>
    public private(set) var table = RouteTable()

    init(router: Router<AppRequestContext>) {
        self.router = router
    }

    public typealias Handler = @Sendable (Request, AppRequestContext) async throws -> Response

    public func on(
        _ method: HTTPRequest.Method, _ path: String, kind: RegisteredRoute.Kind = .api, use handler: @escaping Handler
    ) {
        table.add(RegisteredRoute(method: method, path: path, kind: kind))
        // Hummingbird reads `{name}` parameters itself.
        router.on(RouterPath(path), method: method) { request, context in
            try await handler(request, context)
        }
    }

    public func get(_ path: String, use handler: @escaping Handler) { on(.get, path, use: handler) }
    public func post(_ path: String, use handler: @escaping Handler) { on(.post, path, use: handler) }

    /// An HTML page (`GET`): left out of the OpenAPI document, and its errors are rendered as pages.
    public func page(_ path: String, use handler: @escaping Handler) {
        on(.get, path, kind: .page, use: Self.page(handler))
    }

    /// The form post behind a page (`POST`, `application/x-www-form-urlencoded`, CSRF-checked like every
    /// state change): answered with a page or a redirect, never JSON.
    public func pageForm(_ path: String, use handler: @escaping Handler) {
        on(.post, path, kind: .page, use: Self.page(handler))
    }

    /// Carries who was signed in to the error page that ``ErrorMiddleware`` renders (it runs outside the
    /// session middleware, so its own context has no identity).
    static func page(_ handler: @escaping Handler) -> Handler {
        { request, context in
            do {
                return try await handler(request, context)
            } catch {
                throw PageFailure(underlying: error, identity: context.identity)
            }
        }
    }
}

/// An error of a page handler, with the signed-in user for the error page's header.
struct PageFailure: Error {
    let underlying: any Error
    let identity: SignedIn?
}

/// A feature's routes. The composition root (``ServerComposition``) lists the modules it serves;
/// a new feature adds its module there.
public protocol RouteModule: Sendable {
    func register(on routes: RouteRegistrar)
}
