import Hummingbird
import NIOCore

/// Runs one route: counts it, applies the fault rules (latency, injected errors, hangs, dropped
/// answers), and turns ``SimFailure``s into error answers of the route's shape.
struct RouteRunner: Sendable {
    let state: SimulatorState

    /// Thrown after the connection was closed on purpose; no answer is written.
    struct ConnectionDropped: Error {}

    /// The refusal a route's router group decided on before the route ran (``ManagementKeyCheck``),
    /// answered in place of the route's work.
    @TaskLocal static var refusal: SimFailure?

    func run<Context: RequestContext>(
        _ method: String, _ template: String, format: ErrorFormat = .openRouter, context: Context,
        _ work: @Sendable () async throws -> Response
    ) async throws -> Response {
        await state.countRequest("\(method) \(template)")
        let decision = await state.decideFaults(method: method, template: template)
        if decision.latencyMs > 0 { try await Task.sleep(for: .milliseconds(decision.latencyMs)) }
        switch decision.outcome {
        case .error(let status, let retryAfter):
            let failure = SimFailure(status: status, message: Self.faultMessage(status), retryAfter: retryAfter)
            return HTTPAnswers.failure(failure, format: format)
        case .hang(let milliseconds):
            try await Task.sleep(for: .milliseconds(milliseconds))
        case .serve, .dropAfterCommit:
            break
        }
        let response: Response
        do {
            if let refusal = Self.refusal { throw refusal }
            response = try await work()
        } catch let failure as SimFailure {
            response = HTTPAnswers.failure(failure, format: format)
        }
        if case .dropAfterCommit = decision.outcome { return try await drop(context, after: response) }
        return response
    }

    /// Closes the connection without answering. With a context that exposes the connection nothing at
    /// all is written; otherwise the status line goes out and the connection closes mid-body.
    private func drop<Context: RequestContext>(_ context: Context, after response: Response) async throws -> Response {
        if let exposing = context as? any ConnectionExposingContext, let connection = exposing.connection {
            try? await connection.close().get()
            throw ConnectionDropped()
        }
        var headers = response.headers
        headers[.contentLength] = "1048576"
        return Response(
            status: response.status, headers: headers, body: ResponseBody { _ in throw ConnectionDropped() })
    }

    static func faultMessage(_ status: Int) -> String {
        switch status {
        case 429: return "Rate limit exceeded (simulated). Slow down and retry after the Retry-After delay."
        case 500: return "Internal Server Error (simulated)"
        case 502: return "Provider returned error (simulated)"
        case 503: return "Service temporarily unavailable (simulated)"
        case 504: return "Gateway timeout (simulated)"
        case 529: return "Overloaded (simulated)"
        default: return "Simulated fault (HTTP \(status))"
        }
    }
}
