import Hummingbird
import Logging
import ServiceLifecycle

/// A simulator listening on a loopback port, as handed to the body of
/// ``OpenRouterSimulator/withRunningServer(configuration:host:logger:_:)``.
public struct RunningSimulator: Sendable {
    public let simulator: OpenRouterSimulator
    public let port: Int
    /// `http://127.0.0.1:PORT/api/v1`: the client's base URL.
    public let baseURL: String

    /// The first configured management key.
    public var managementKey: String { simulator.configuration.managementKeys.first ?? "" }
    public var state: SimulatorState { simulator.state }
}

/// Why the simulator could not start.
public struct SimulatorStartError: Error, CustomStringConvertible {
    public var description: String
}

extension OpenRouterSimulator {
    /// Starts a simulator on an ephemeral loopback port, runs `body` with it, then shuts it down gracefully
    /// (requests in flight finish first).
    public static func withRunningServer<Result: Sendable>(
        configuration: SimulatorConfiguration, host: String = "127.0.0.1", logger: Logger = quietLogger,
        _ body: (RunningSimulator) async throws -> Result
    ) async throws -> Result {
        let simulator = OpenRouterSimulator(configuration: configuration)
        let (ports, portSink) = AsyncStream<Int>.makeStream()
        let application = simulator.makeApplication(host: host, port: 0, logger: logger) { port in
            portSink.yield(port)
            portSink.finish()
        }
        let services = ServiceGroup(
            configuration: .init(
                services: simulator.servicesToRun(serving: application), gracefulShutdownSignals: [], logger: logger))
        return try await withThrowingTaskGroup(of: Void.self, returning: Result.self) { group in
            group.addTask {
                defer { portSink.finish() }
                try await services.run()
            }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else {
                try await group.next()
                throw SimulatorStartError(description: "openrouter-sim stopped before it listened")
            }
            let running = RunningSimulator(
                simulator: simulator, port: port, baseURL: "http://\(host):\(port)/api/v1")
            do {
                let result = try await body(running)
                await services.triggerGracefulShutdown()
                try await group.waitForAll()
                return result
            } catch {
                await services.triggerGracefulShutdown()
                try? await group.waitForAll()
                throw error
            }
        }
    }

    /// Serves until SIGINT or SIGTERM. With `statePath`, loads the state first, saves it within a second
    /// of each change, and once more on shutdown.
    public func serve(
        host: String, port: Int, statePath: String?, logger: Logger,
        onListening: @escaping @Sendable (_ baseURL: String) -> Void
    ) async throws {
        if let statePath { try await loadState(from: statePath) }
        let application = makeApplication(host: host, port: port, logger: logger) { boundPort in
            onListening("http://\(host):\(boundPort)/api/v1")
        }
        let serviceGroup = ServiceGroup(
            configuration: .init(
                services: servicesToRun(serving: application), gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await serviceGroup.run() }
            if let statePath {
                group.addTask {
                    var saved = try await saveState(to: statePath)
                    while !Task.isCancelled {
                        try? await Task.sleep(for: .seconds(1))
                        do {
                            saved = try await saveState(to: statePath, ifChangedSince: saved)
                        } catch {
                            logger.error("could not save the simulator state", metadata: ["error": "\(error)"])
                        }
                    }
                }
            }
            try await group.next()
            group.cancelAll()
        }
        if let statePath { try await saveState(to: statePath) }
    }

    /// The services to run: the broadcaster (when configured) first, so that it shuts down after the
    /// server (a service group stops its services in reverse order) and delivers what the last requests
    /// queued; then the server.
    func servicesToRun(serving application: some Service) -> [any Service] {
        var services: [any Service] = []
        if let broadcaster { services.append(broadcaster) }
        services.append(application)
        return services
    }
}
