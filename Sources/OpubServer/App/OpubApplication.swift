import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// Builds the HTTP application: middleware first (metrics outermost, then errors, limits,
/// sessions, CSRF), then every module's routes. ``ServerComposition`` decides which modules.
public enum OpubApplication {
    /// The router with middleware and `modules`' routes, and the table of what was registered.
    public static func router(
        dependencies: AppDependencies, modules: [any RouteModule]
    ) -> (Router<AppRequestContext>, RouteTable) {
        let router = Router(context: AppRequestContext.self)
        let table = RouteTableBox()
        router.add(middleware: RequestMetricsMiddleware(factory: dependencies.metrics.factory))
        router.add(
            middleware: ErrorMiddleware(routes: table, pages: PageResponder(configuration: dependencies.configuration)))
        router.add(middleware: BodyLimitMiddleware())
        if dependencies.configuration.trustForwardedFor {
            router.add(middleware: ForwardedForMiddleware(trustedHops: dependencies.configuration.trustedProxies))
        }
        router.add(middleware: SessionMiddleware(sessions: dependencies.sessions))
        router.add(middleware: CSRFMiddleware(sessions: dependencies.sessions))
        let registrar = RouteRegistrar(router: router)
        for module in modules {
            module.register(on: registrar)
        }
        // The sandbox provider speaks OpenRouter's API, not opub's; it is mounted as is.
        dependencies.sandboxProvider?.simulator.addRoutes(to: router.group(RouterPath(SandboxProvider.routeGroup)))
        table.set(registrar.table)
        return (router, registrar.table)
    }

    /// The application `serve` runs: the router on the configured address, plus `services`, with
    /// `onServerRunning` told the bound channel (to print the URL).
    public static func application(
        dependencies: AppDependencies, modules: [any RouteModule], services: [any Service],
        onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let (router, _) = router(dependencies: dependencies, modules: modules)
        let bind = dependencies.configuration.bind
        return Application(
            router: router,
            // Keep-alive connections left idle are closed after 75 s (a little longer than common
            // proxies' 60 s): an open connection holds buffers, and clients that never close them
            // would otherwise grow the server's memory without bound.
            server: .http1(configuration: .init(idleTimeout: .seconds(75))),
            configuration: ApplicationConfiguration(address: .hostname(bind.host, port: bind.port), serverName: "opub"),
            services: services, onServerRunning: onServerRunning, logger: dependencies.logger)
    }
}
