import Logging
import NIOCore
import NIOSSL
import PostgresNIO

/// Asks PostgreSQL directly whether it answers at all, with one connection of its own outside the pool:
/// how a waiter tells a busy pool (the server accepts a connection, however slowly) from a server that is
/// down, restarting or unreachable (refused, reset, or nothing within the connect timeout). Concurrent
/// waiters share one probe, and its answer is reused for a second.
actor LivenessProbe {
    private let configuration: PostgresConnection.Configuration
    private let logger: Logger
    private var last: (at: ContinuousClock.Instant, answered: Bool)?
    private var running: Task<Bool, Never>?
    /// The whole probe (connect, `SELECT 1`) gives up after this: a server that accepted the connection
    /// and then went silent is as good as down.
    private let timeout: Duration

    init(location: DatabaseURL.PostgresLocation, connectTimeout: Duration, logger: Logger) {
        self.timeout = connectTimeout
        let tls: PostgresConnection.Configuration.TLS
        switch location.sslMode {
        case "disable": tls = .disable
        case "require":
            tls = (try? NIOSSLContext(configuration: .makeClientConfiguration())).map { .require($0) } ?? .disable
        default: tls = (try? NIOSSLContext(configuration: .makeClientConfiguration())).map { .prefer($0) } ?? .disable
        }
        var configuration = PostgresConnection.Configuration(
            host: location.host, port: location.port, username: location.username, password: location.password,
            database: location.database, tls: tls)
        configuration.options.connectTimeout = .nanoseconds(Int64(connectTimeout.components.seconds) * 1_000_000_000)
        self.configuration = configuration
        self.logger = logger
    }

    /// True when the database accepted a connection and answered `SELECT 1`.
    func answers() async -> Bool {
        if let last, last.at.duration(to: .now) < .seconds(1) { return last.answered }
        if let running { return await running.value }
        let configuration = self.configuration
        let logger = self.logger
        let timeout = self.timeout
        let probe = Task {
            await withTaskGroup(of: Bool.self) { group in
                group.addTask {
                    do {
                        let connection = try await PostgresConnection.connect(
                            configuration: configuration, id: 0, logger: logger)
                        defer { Task { try? await connection.close() } }
                        _ = try await connection.query("SELECT 1", logger: logger)
                        return true
                    } catch {
                        return false
                    }
                }
                group.addTask {
                    try? await Task.sleep(for: timeout)
                    return false
                }
                let first = await group.next() ?? false
                group.cancelAll()
                return first
            }
        }
        running = probe
        let answered = await probe.value
        running = nil
        last = (.now, answered)
        return answered
    }
}
