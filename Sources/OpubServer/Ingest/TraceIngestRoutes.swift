import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Metrics
import OpubCore
import OpubStore

/// `POST` and `PUT /ingest/openrouter/traces`: OpenRouter Broadcast's webhook destination.
///
/// The operator adds a destination (Settings › Observability › Webhook) with this URL and the header
/// `Authorization: Bearer {OPUB_BROADCAST_TOKEN}` (or `X-Opub-Broadcast-Token: {token}`); the token
/// is compared in constant time, and a missing or wrong one is answered 401 before the body is read.
/// The body is OTLP/HTTP JSON (``OTLPTraceRequest``; protobuf is refused with 415 and a hint), at
/// most 8 MiB — traces can carry whole prompts, which are skipped unread. The connection test
/// (`X-Test-Connection: true`, empty payload) and any empty export are answered 200 `{}`.
///
/// Kept: one ``TraceUsage`` per generation of an opub key; stored through ``TraceIngestQueue`` (many
/// requests per transaction) before the answer, deduplicated by trace and span id. A trace never
/// moves money: the reconciler posts spend from the provider's usage counters, and a trace only
/// explains that spend and links it to the session that made it (``LinkedSpend``).
struct TraceIngestRoutes: RouteModule {
    static let path = "/ingest/openrouter/traces"
    static let maximumBytes = 8 * 1024 * 1024
    static let tokenHeader = HTTPField.Name("X-Opub-Broadcast-Token")!
    static let testHeader = HTTPField.Name("X-Test-Connection")!

    let token: String?
    let queue: TraceIngestQueue
    let clock: any TimeSource
    let logger: Logger
    let counters: TraceCounters

    init(dependencies: AppDependencies) {
        token = dependencies.broadcastToken
        queue = dependencies.traceIngest
        clock = dependencies.clock
        logger = dependencies.logger
        counters = TraceCounters(factory: dependencies.metrics.factory)
    }

    func register(on routes: RouteRegistrar) {
        routes.post(Self.path) { request, _ in try await receive(request) }
        routes.on(.put, Self.path) { request, _ in try await receive(request) }
    }

    func receive(_ request: Request) async throws -> Response {
        try authorize(request)
        let body = try await RequestBodies.collect(request, limit: Self.maximumBytes)
        if body.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            // The connection test, or an export with nothing in it.
            return Self.exportResponse(rejected: 0)
        }
        let mediaType = RequestBodies.mediaType(request)
        guard mediaType == "application/json" else {
            throw APIError(
                .unsupportedMediaType, code: "unsupported_media_type",
                message: mediaType == "application/x-protobuf"
                    ? "opub reads OTLP/HTTP JSON traces, not protobuf; send them with Content-Type: application/json."
                    : "Send OTLP/HTTP JSON traces with Content-Type: application/json.")
        }
        let parsed: OTLPTraceRequest
        do {
            parsed = try JSONDecoder().decode(OTLPTraceRequest.self, from: Data(body))
        } catch {
            counters.rejected.increment()
            throw APIError.badRequest(
                "invalid_traces",
                "The body is not an OTLP/HTTP JSON trace export (an object with resourceSpans); nothing was stored.")
        }
        let batch = TraceBatch(parsed, receivedAt: clock.now())
        let stored = try await queue.submit(batch.usages)
        counters.stored.increment(by: stored)
        counters.duplicate.increment(by: batch.usages.count - stored)
        counters.ignored.increment(by: batch.ignored)
        counters.rejected.increment(by: batch.rejected)
        if batch.rejected > 0 {
            logger.warning(
                "provider traces rejected", metadata: ["rejected": "\(batch.rejected)", "stored": "\(stored)"])
        }
        return Self.exportResponse(rejected: batch.rejected)
    }

    /// 401 unless the request carries the configured token; 404 when trace ingest is off.
    func authorize(_ request: Request) throws {
        guard let token else {
            throw APIError.notFound(
                "trace_ingest_off",
                "Trace ingest is off on this server: set OPUB_BROADCAST_TOKEN and add the same token to the "
                    + "Broadcast destination's headers.")
        }
        var presented = request.headers[Self.tokenHeader]
        if presented == nil, let authorization = request.headers[.authorization],
            authorization.lowercased().hasPrefix("bearer ")
        {
            presented = String(authorization.dropFirst("bearer ".count)).trimmingCharacters(in: .whitespaces)
        }
        guard let presented, ConstantTime.equal(Array(token.utf8), Array(presented.utf8)) else {
            counters.unauthorized.increment()
            throw APIError(
                .unauthorized, code: "broadcast_token_invalid",
                message: "Missing or wrong broadcast token: send Authorization: Bearer {OPUB_BROADCAST_TOKEN}; "
                    + "nothing was stored.")
        }
    }

    /// An OTLP `ExportTraceServiceResponse`: `{}`, or a partial success naming the rejected count.
    static func exportResponse(rejected: Int) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(
            status: .ok, headers: headers, body: .init(byteBuffer: .init(string: exportBody(rejected: rejected))))
    }

    /// The JSON of ``exportResponse(rejected:)``.
    static func exportBody(rejected: Int) -> String {
        rejected == 0
            ? "{}"
            : #"{"partialSuccess":{"rejectedSpans":"\#(rejected)","errorMessage":"\#(rejected) generation trace(s) had malformed ids, cost or key name"}}"#
    }
}

/// `opub_traces_total{result=…}`: what became of the traces received.
struct TraceCounters: Sendable {
    let stored: Counter
    let duplicate: Counter
    let ignored: Counter
    let rejected: Counter
    let unauthorized: Counter

    init(factory: any MetricsFactory) {
        func counter(_ result: String) -> Counter {
            Counter(label: "opub_traces_total", dimensions: [("result", result)], factory: factory)
        }
        stored = counter("stored")
        duplicate = counter("duplicate")
        ignored = counter("ignored")
        rejected = counter("rejected")
        unauthorized = counter("unauthorized")
    }
}

/// Group commit for trace ingest (``GroupCommitQueue``): requests that arrive while a write is in
/// flight wait, and the next write stores all of them in one transaction. Every caller is answered only
/// after the transaction holding its traces committed (an error reaches every caller of that write), so
/// an acknowledged trace is durable and a failed one can be redelivered.
struct TraceIngestQueue: Sendable {
    let store: Store
    private let queue = GroupCommitQueue<Int, [TraceUsage], Int>(maximumBatch: 256)

    init(store: Store) {
        self.store = store
    }

    /// Stores `usages`; returns how many of them were new.
    func submit(_ usages: [TraceUsage]) async throws -> Int {
        guard !usages.isEmpty else { return 0 }
        let store = self.store
        return try await queue.submit(usages, to: 0) { _, requests in
            let stored = try await store.traces.ingest(requests.flatMap { $0 })
            // Per caller, the share of new rows is not known row by row; duplicates are rare and the
            // count is advisory (metrics), so each caller is told its rows, less any shortfall.
            var shortfall = requests.reduce(0) { $0 + $1.count } - stored
            return requests.map { request in
                let mine = max(0, request.count - shortfall)
                shortfall -= request.count - mine
                return .success(mine)
            }
        }
    }
}
