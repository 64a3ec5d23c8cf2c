import AsyncHTTPClient
import NIOCore
import OpubSurfaces

/// One HTTP exchange, reduced to what the CLI needs.
public struct HTTPExchange: Sendable {
    public var method: String
    public var url: String
    public var headers: [(String, String)]
    public var body: [UInt8]?
    public var timeout: Duration
    /// The largest answer read (a longer one fails); 4 MiB unless a command downloads more.
    public var maximumBodyBytes: Int

    public init(
        method: String, url: String, headers: [(String, String)] = [], body: [UInt8]? = nil,
        timeout: Duration = .seconds(10), maximumBodyBytes: Int = 4 * 1024 * 1024
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.maximumBodyBytes = maximumBodyBytes
    }
}

public struct HTTPAnswer: Sendable {
    public var status: Int
    public var body: [UInt8]

    public init(status: Int, body: [UInt8]) {
        self.status = status
        self.body = body
    }
}

/// Sends HTTP requests; injected so that tests can point commands at stand-ins.
public protocol HTTPTransport: Sendable {
    /// Throws only when there was no answer (connection refused, timeout, TLS failure).
    func send(_ exchange: HTTPExchange) async throws -> HTTPAnswer
}

/// The CLI's HTTP client: unlike `HTTPClient.shared` it does not retry connection establishment until
/// the deadline, so an unreachable server (connection refused) fails at once and `opub run` neither
/// waits nor lingers. Lives for the process, like `.shared`, so it is never shut down.
public enum CLIHTTPClient {
    public static let shared: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout = .init(connect: .seconds(3), read: .seconds(30))
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()
}

/// Requests through ``CLIHTTPClient``.
public struct AsyncHTTPTransport: HTTPTransport {
    public init() {}

    public func send(_ exchange: HTTPExchange) async throws -> HTTPAnswer {
        var request = HTTPClientRequest(url: exchange.url)
        request.method = .RAW(value: exchange.method)
        request.headers.add(name: "User-Agent", value: "opub-cli/\(OpubVersion.current)")
        for (name, value) in exchange.headers { request.headers.add(name: name, value: value) }
        if let body = exchange.body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let timeout = exchange.timeout.components
        let deadline =
            NIODeadline.now()
            + .nanoseconds(timeout.seconds * 1_000_000_000 + timeout.attoseconds / 1_000_000_000)
        let response = try await CLIHTTPClient.shared.execute(request, deadline: deadline)
        let buffer = try await response.body.collect(upTo: exchange.maximumBodyBytes)
        return HTTPAnswer(status: Int(response.status.code), body: Array(buffer.readableBytesView))
    }
}
