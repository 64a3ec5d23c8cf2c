import Hummingbird
import Logging

/// A faithful local OpenRouter: the management API, the inference endpoints with usage, costs and
/// limits, guardrails, and fault injection, all in one Hummingbird route set.
///
/// Mount it in any Hummingbird app under any prefix:
/// ```swift
/// let simulator = OpenRouterSimulator(configuration: .init(managementKeys: [managementKey]))
/// simulator.addRoutes(to: router.group("sandbox/openrouter/api/v1"))
/// ```
/// or run it alone with ``serve(host:port:statePath:logger:onListening:)``, or in-process for a test with
/// ``withRunningServer(configuration:host:logger:_:)``.
public struct OpenRouterSimulator: Sendable {
    public let configuration: SimulatorConfiguration
    /// The simulator's state, for tests and tools that need to look inside or seed it.
    public let state: SimulatorState
    /// Posts a trace of each served generation when ``SimulatorConfiguration/broadcast`` is set. It is a
    /// service, which ``withRunningServer(configuration:host:logger:_:)`` and
    /// ``serve(host:port:statePath:logger:onListening:)`` run; an app that mounts the routes itself must run
    /// it too, listed before the HTTP server in its service group (so it shuts down after it and drains).
    public let broadcaster: TraceBroadcaster?

    public init(configuration: SimulatorConfiguration) {
        self.configuration = configuration
        self.state = SimulatorState(configuration: configuration)
        self.broadcaster = configuration.broadcast.map { TraceBroadcaster(settings: $0, seed: configuration.seed) }
    }

    /// Adds every route, relative to `router` (which plays the role of `/api/v1`). The management and
    /// `/_sim` routes share one router group behind the management key check.
    public func addRoutes<Context: RequestContext>(to router: some RouterMethods<Context>) {
        let managed = router.group().add(middleware: ManagementKeyCheck<Context>(state: state))
        ManagementRoutes(state: state).add(to: managed)
        InferenceRoutes(state: state, broadcaster: broadcaster).add(to: router)
        SimControlRoutes(state: state).add(to: managed)
    }

    /// A router serving the simulator under `/api/v1`, as openrouter.ai does.
    public func makeRouter() -> Router<SimulatorRequestContext> {
        let router = Router(context: SimulatorRequestContext.self)
        router.add(middleware: JSONNotFound())
        addRoutes(to: router.group("api/v1"))
        return router
    }

    /// A Hummingbird application serving ``makeRouter()``. `onListening` gets the bound port.
    public func makeApplication(
        host: String = "127.0.0.1", port: Int = 0, logger: Logger = Self.quietLogger,
        onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        Application(
            router: makeRouter(), configuration: .init(address: .hostname(host, port: port)),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? port) }, logger: logger)
    }

    /// Loads `--state` into this simulator, when the file exists.
    public func loadState(from path: String) async throws {
        if let snapshot = try StateFile.load(from: path) { await state.restore(snapshot) }
    }

    /// Writes the state to `path` when it changed since `savedVersion`; returns the version saved.
    @discardableResult
    public func saveState(to path: String, ifChangedSince savedVersion: Int = -1) async throws -> Int {
        guard let (version, snapshot) = await state.snapshot(ifChangedSince: savedVersion) else { return savedVersion }
        try StateFile.save(snapshot, to: path)
        return version
    }

    /// A logger that reports only warnings and errors, for in-process use.
    public static var quietLogger: Logger {
        var logger = Logger(label: "openrouter-sim")
        logger.logLevel = .warning
        return logger
    }
}

/// A path the simulator does not serve gets OpenRouter's JSON error envelope (404), not an empty body,
/// so clients parse it as they parse every other error.
struct JSONNotFound<Context: RequestContext>: RouterMiddleware {
    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            return HTTPAnswers.failure(
                SimFailure.notFound("No route \(request.method.rawValue) \(request.uri.path)"), format: .openRouter)
        }
    }
}
