import Hummingbird
import Logging
import NIOCore

/// Runs a stand-in application on 127.0.0.1 with a free port for as long as `body` runs, and
/// hands `body` its base URL (`http://127.0.0.1:PORT`).
public func withStandIn<R: Sendable>(
    _ router: Router<BasicRequestContext>, _ body: @Sendable (String) async throws -> R
) async throws -> R {
    let (stream, continuation) = AsyncStream.makeStream(of: Int.self)
    var logger = Logger(label: "stand-in")
    logger.logLevel = .critical  // cancellation at the end of a test is not an error
    let app = Application(
        router: router,
        configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0), serverName: "stand-in"),
        onServerRunning: { channel in
            continuation.yield(channel.localAddress?.port ?? 0)
            continuation.finish()
        }, logger: logger)
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await app.run() }
        defer { group.cancelAll() }
        var iterator = stream.makeAsyncIterator()
        guard let port = await iterator.next() else { throw StandInError.didNotStart }
        return try await body("http://127.0.0.1:\(port)")
    }
}

public enum StandInError: Error {
    case didNotStart
}
