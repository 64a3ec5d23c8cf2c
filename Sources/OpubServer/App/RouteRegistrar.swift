import HTTPTypes
import Hummingbird

/// One registered route, as the OpenAPI coverage test and the 405 responder see it.
public struct RegisteredRoute: Sendable, Hashable {
    public let method: HTTPRequest.Method
    /// The path as registered, with `{name}` parameters (`/api/v1/projects/{owner}/{repo}`).
    public let path: String
}

/// Every route the application serves, recorded as it is registered.
public struct RouteTable: Sendable {
    public private(set) var routes: [RegisteredRoute] = []

    mutating func add(_ route: RegisteredRoute) { routes.append(route) }

    /// The methods registered for a concrete request path, for `405 Method Not Allowed`.
    func methods(matching requestPath: String) -> [HTTPRequest.Method] {
        let segments = requestPath.split(separator: "/", omittingEmptySubsequences: true)
        return routes.filter { route in
            let pattern = route.path.split(separator: "/", omittingEmptySubsequences: true)
            guard pattern.count == segments.count else { return false }
            return zip(pattern, segments).allSatisfy { $0.hasPrefix("{") || $0 == $1 }
        }.map(\.method)
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

    public func on(_ method: HTTPRequest.Method, _ path: String, use handler: @escaping Handler) {
        table.add(RegisteredRoute(method: method, path: path))
        let hummingbirdPath = path.split(separator: "/", omittingEmptySubsequences: false).map { segment in
            segment.hasPrefix("{") && segment.hasSuffix("}") ? ":" + segment.dropFirst().dropLast() : segment
        }.joined(separator: "/")
        router.on(RouterPath(hummingbirdPath), method: method) { request, context in
            try await handler(request, context)
        }
    }

    public func get(_ path: String, use handler: @escaping Handler) { on(.get, path, use: handler) }
    public func post(_ path: String, use handler: @escaping Handler) { on(.post, path, use: handler) }
}

/// A feature's routes. The composition root (``ServerComposition``) lists the modules it serves;
/// a new feature adds its module there.
public protocol RouteModule: Sendable {
    func register(on routes: RouteRegistrar)
}
