import AsyncHTTPClient
import Foundation
import Logging
import NIOCore

/// Talks to OpenRouter (or `openrouter-sim`, or any gateway that speaks the same API) over HTTP.
///
/// One client holds one key: a management key for `/keys`, `/credits`, `/activity` and `/guardrails`,
/// or an inference key for `/key` and the inference endpoints. Every call has a timeout; idempotent
/// calls (GET, PATCH, DELETE) are retried per ``RetryPolicy``; POST never is. Failures are
/// ``OpenRouterError``s. The key is never logged, printed, or put in an error.
public struct OpenRouterClient: Sendable {
    /// Where the client connects and how patient it is.
    public struct Configuration: Sendable {
        /// The API root, e.g. `https://openrouter.ai/api/v1` or `http://127.0.0.1:PORT/api/v1`.
        public var baseURL: String
        /// The deadline for one attempt, the body included.
        public var timeout: Duration
        public var retryPolicy: RetryPolicy
        /// Attribution headers sent with every call (`HTTP-Referer`, `X-OpenRouter-Title`, `x-session-id`).
        public var extraHeaders: [String: String]
        /// The workspace opub's keys live in (`OPENROUTER_WORKSPACE_ID`): keys are created, listed and
        /// reported there only, so the reconciler never sees — or touches — the operator's other keys.
        /// Nil: the account's default workspace.
        public var workspaceID: String?

        /// The public OpenRouter API.
        public static let defaultBaseURL = "https://openrouter.ai/api/v1"

        public init(
            baseURL: String = Configuration.defaultBaseURL, timeout: Duration = .seconds(30),
            retryPolicy: RetryPolicy = .standard, extraHeaders: [String: String] = [:], workspaceID: String? = nil
        ) {
            self.baseURL = baseURL
            self.timeout = timeout
            self.retryPolicy = retryPolicy
            self.extraHeaders = extraHeaders
            self.workspaceID = workspaceID
        }
    }

    public let configuration: Configuration
    private let apiKey: String
    private let httpClient: HTTPClient
    private let sleeper: any RetrySleeper
    private let jitter: @Sendable () -> Double
    private let logger: Logger

    /// - Parameters:
    ///   - apiKey: the management or inference key; kept private and never logged.
    ///   - httpClient: defaults to the process-wide shared client, which needs no shutdown.
    ///   - sleeper: waits between retries; inject one in tests.
    ///   - jitter: a source of numbers in `0..<1` for backoff jitter.
    public init(
        apiKey: String, configuration: Configuration = Configuration(), httpClient: HTTPClient = .shared,
        sleeper: any RetrySleeper = TaskSleeper(),
        jitter: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
        logger: Logger = Logger(label: "opub.openrouter")
    ) {
        self.apiKey = apiKey
        self.configuration = configuration
        self.httpClient = httpClient
        self.sleeper = sleeper
        self.jitter = jitter
        self.logger = logger
    }

    /// The masked key this client uses, for messages and logs.
    public var keyLabel: String { KeyFingerprint.label(ofSecret: apiKey) }

    enum Method: String {
        case get = "GET"
        case post = "POST"
        case patch = "PATCH"
        case delete = "DELETE"

        var isIdempotent: Bool { self != .post }
    }

    /// Sends one call, retrying per policy when the method is idempotent, and decodes the answer.
    func send<Response: Decodable>(
        _ method: Method, _ path: String, query: [(String, String)] = [], body: (any Encodable)? = nil,
        expecting statuses: Set<Int> = [200], as type: Response.Type = Response.self
    ) async throws -> Response {
        let payload: [UInt8]?
        if let body {
            do {
                payload = Array(try JSONEncoder().encode(body))
            } catch {
                throw OpenRouterError.rejected(status: 0, message: "the request body could not be encoded: \(error)")
            }
        } else {
            payload = nil
        }
        let url = makeURL(path, query: query)
        var attempt = 1
        while true {
            do {
                let (status, retryAfter, bytes) = try await perform(method, url: url, body: payload)
                guard statuses.contains(status) else {
                    throw Self.errorFromAnswer(status: status, retryAfter: retryAfter, body: bytes)
                }
                do {
                    return try JSONDecoder().decode(Response.self, from: Data(bytes))
                } catch {
                    throw OpenRouterError.malformedResponse("\(method.rawValue) \(path): \(error)")
                }
            } catch let error as OpenRouterError {
                guard method.isIdempotent,
                    let delay = configuration.retryPolicy.delay(after: error, attempt: attempt, random: jitter())
                else { throw error }
                logger.debug(
                    "retrying OpenRouter call",
                    metadata: [
                        "method": "\(method.rawValue)", "path": "\(path)", "attempt": "\(attempt)",
                        "delay": "\(delay)", "error": "\(error)",
                    ])
                try await sleeper.sleep(for: delay)
                attempt += 1
            }
        }
    }

    /// One attempt: status, headers and body, or an ``OpenRouterError/providerDown(reason:mayHaveSucceeded:)``.
    private func perform(
        _ method: Method, url: String, body: [UInt8]?
    ) async throws -> (status: Int, retryAfter: String?, body: [UInt8]) {
        var request = HTTPClientRequest(url: url)
        request.method = .RAW(value: method.rawValue)
        request.headers.add(name: "Authorization", value: "Bearer \(apiKey)")
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: "opub-openrouter-client/1")
        for (name, value) in configuration.extraHeaders { request.headers.add(name: name, value: value) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let timeout = configuration.timeout
        let deadline =
            NIODeadline.now()
            + .nanoseconds(
                Int64(timeout.components.seconds) * 1_000_000_000
                    + timeout.components.attoseconds / 1_000_000_000)
        do {
            let response = try await httpClient.execute(request, deadline: deadline, logger: logger)
            let buffer = try await response.body.collect(upTo: 64 * 1024 * 1024)
            logger.debug(
                "OpenRouter call", metadata: ["method": "\(method.rawValue)", "status": "\(response.status.code)"])
            let retryAfter = response.headers.first(name: "Retry-After")
            return (Int(response.status.code), retryAfter, Array(buffer.readableBytesView))
        } catch {
            if Task.isCancelled { throw CancellationError() }
            throw Self.transportError(error, timeout: timeout)
        }
    }

    private func makeURL(_ path: String, query: [(String, String)]) -> String {
        var base = configuration.baseURL
        while base.hasSuffix("/") { base.removeLast() }
        var url = base + path
        if !query.isEmpty {
            let allowed = CharacterSet.urlQueryAllowed.subtracting(CharacterSet(charactersIn: "&=+?#"))
            url +=
                "?"
                + query.map { name, value in
                    "\(name)=\(value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value)"
                }.joined(separator: "&")
        }
        return url
    }

    static func transportError(_ error: any Error, timeout: Duration) -> OpenRouterError {
        let text = KeyFingerprint.redactingSecrets(in: "\(error)")
        if let httpError = error as? HTTPClientError {
            switch httpError {
            case .deadlineExceeded, .readTimeout, .writeTimeout:
                return .providerDown(reason: "no answer within \(timeout)", mayHaveSucceeded: true)
            case .connectTimeout:
                return .providerDown(reason: "connecting timed out", mayHaveSucceeded: false)
            case .remoteConnectionClosed:
                return .providerDown(reason: "the connection closed before an answer", mayHaveSucceeded: true)
            default:
                return .providerDown(reason: text, mayHaveSucceeded: true)
            }
        }
        let typeName = String(describing: type(of: error))
        let refused = typeName.contains("ConnectionError") || text.contains("Connection refused")
        return .providerDown(
            reason: refused ? "could not connect (\(text))" : text, mayHaveSucceeded: !refused)
    }

    static func errorFromAnswer(status: Int, retryAfter: String?, body: [UInt8]) -> OpenRouterError {
        let message = KeyFingerprint.redactingSecrets(in: ProviderErrorBody.message(from: body, status: status))
        return .from(status: status, message: message, retryAfter: retryAfter.flatMap(Self.parseRetryAfter))
    }

    /// `Retry-After` in (possibly fractional) seconds. HTTP-date forms are ignored (the backoff applies).
    static func parseRetryAfter(_ text: String) -> Duration? {
        guard let seconds = Double(text.trimmingCharacters(in: .whitespaces)), seconds >= 0, seconds.isFinite else {
            return nil
        }
        return .milliseconds(Int64((seconds * 1000).rounded()))
    }
}

extension OpenRouterClient: CustomStringConvertible, CustomReflectable {
    /// Names the endpoint and the masked key only.
    public var description: String { "OpenRouterClient(\(configuration.baseURL), \(keyLabel))" }

    /// Hides the key from `dump` and debuggers.
    public var customMirror: Mirror {
        Mirror(self, children: ["baseURL": configuration.baseURL, "key": keyLabel])
    }
}
