import Foundation
import OpubCore
import OpubSurfaces

/// Why a call to the opub server failed.
public enum OpubServerError: Error, Sendable, CustomStringConvertible {
    /// No answer: connection refused, timeout, DNS.
    case unreachable(server: String, reason: String)
    /// An error answer in the API's error shape.
    case rejected(status: Int, code: String, message: String)
    case malformed(String)

    public var description: String {
        switch self {
        case .unreachable(let server, let reason):
            return "opub at \(server) is unreachable (\(reason)). Check --server / OPUB_SERVER and your network."
        case .rejected(let status, let code, let message):
            return "opub refused the request (\(status) \(code)): \(message)"
        case .malformed(let detail):
            return "opub sent an answer this CLI cannot read (\(detail)). Is --server an opub server?"
        }
    }

    public var status: Int? {
        if case .rejected(let status, _, _) = self { return status }
        return nil
    }

    public var code: String? {
        if case .rejected(_, let code, _) = self { return code }
        return nil
    }
}

/// The CLI routes of the opub server, authenticated with the key's link token (never the secret).
public struct OpubServerClient: Sendable {
    public let server: String
    let linkToken: String
    let transport: any HTTPTransport
    let timeout: Duration

    public init(server: String, linkToken: String, transport: any HTTPTransport, timeout: Duration = .seconds(10)) {
        self.server = EndpointRule.trimmed(server)
        self.linkToken = linkToken
        self.transport = transport
        self.timeout = timeout
    }

    public func keyStatus(_ keyID: KeyID) async throws -> CLIKeyStatus {
        let answer = try await send("GET", CLIRoutes.key(keyID), expecting: [200])
        do {
            return try JSONDecoder().decode(CLIKeyStatus.self, from: Data(answer.body))
        } catch {
            throw OpubServerError.malformed("GET /cli/keys: \(error)")
        }
    }

    /// Links the session; returns the lines the server asks the CLI to print (an older server sends none).
    @discardableResult
    public func startSession(_ sessionID: SessionID, _ body: CLISessionStart) async throws -> [String] {
        let answer = try await send("PUT", CLIRoutes.session(sessionID), body: body, expecting: [200, 201, 204])
        return (try? JSONDecoder().decode(CLISessionStarted.self, from: Data(answer.body)))?.notices ?? []
    }

    public func heartbeat(_ sessionID: SessionID) async throws {
        _ = try await send("POST", CLIRoutes.heartbeat(sessionID), expecting: [200, 204])
    }

    public func endSession(_ sessionID: SessionID, _ body: CLISessionEnd) async throws {
        _ = try await send("POST", CLIRoutes.end(sessionID), body: body, expecting: [200, 204])
    }

    public func revoke(_ keyID: KeyID) async throws {
        _ = try await send("POST", CLIRoutes.revoke(keyID), expecting: [200, 202, 204])
    }

    private func send(
        _ method: String, _ path: String, body: (some Encodable)? = String?.none, expecting statuses: Set<Int>
    ) async throws -> HTTPAnswer {
        let payload = try body.map { Array(try JSONEncoder().encode($0)) }
        let exchange = HTTPExchange(
            method: method, url: server + path,
            headers: [("Authorization", "Bearer \(linkToken)"), ("Accept", "application/json")], body: payload,
            timeout: timeout)
        let answer: HTTPAnswer
        do {
            answer = try await transport.send(exchange)
        } catch {
            if error is CancellationError || Task.isCancelled { throw CancellationError() }
            throw OpubServerError.unreachable(server: server, reason: Self.reason(error))
        }
        guard statuses.contains(answer.status) else {
            if let problem = try? JSONDecoder().decode(CLIErrorBody.self, from: Data(answer.body)) {
                throw OpubServerError.rejected(
                    status: answer.status, code: problem.error.code, message: problem.error.message)
            }
            throw OpubServerError.rejected(
                status: answer.status, code: "http_\(answer.status)",
                message: "unexpected answer to \(method) \(path)")
        }
        return answer
    }

    static func reason(_ error: any Error) -> String {
        let text = "\(error)"
        if text.contains("connectTimeout") || text.contains("deadlineExceeded") { return "timed out" }
        if text.contains("refused") || text.contains("ECONNREFUSED") { return "connection refused" }
        return text.count > 160 ? String(text.prefix(160)) + "…" : text
    }
}
