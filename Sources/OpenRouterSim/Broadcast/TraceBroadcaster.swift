import AsyncHTTPClient
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// Delivers broadcast traces to the configured destination, as OpenRouter's Broadcast posts to a
/// webhook: one OTLP/HTTP JSON document per generation.
///
/// Routes hand traces over with ``enqueue(_:)``, which never waits. ``run()`` (a ServiceLifecycle
/// service) delivers them, up to 8 at a time, until graceful shutdown; it then delivers what is queued
/// (for at most 5 seconds) and returns. Each delivery follows the ``BroadcastFaults`` (drawn from the
/// simulator's seed): a dropped trace is never sent, a duplicated one is sent twice with the same body,
/// and every delivery waits `lateMillis` first. Connection errors, 429, 502, 503 and 504 are retried
/// with exponential backoff from 0.2 s (or the `Retry-After` seconds), 5 attempts at most; any other
/// status is final. Failures are logged at warning level with the status only, never the body.
public actor TraceBroadcaster: Service {
    static let maxAttempts = 5
    static let maxConcurrentDeliveries = 8
    static let drainLimit: Duration = .seconds(5)
    static let requestTimeout: TimeAmount = .seconds(5)
    /// Traces waiting beyond this many are lost (and counted as dropped).
    static let queueLimit = 10_000

    private let settings: BroadcastSettings
    private let httpClient: HTTPClient
    private let logger: Logger
    private let traces: AsyncStream<BroadcastTrace>
    private let sink: AsyncStream<BroadcastTrace>.Continuation
    private let lost = LostTraces()
    private var random: SeededGenerator
    private var delivered = 0
    private var failed = 0
    private var dropped = 0

    /// - Parameters:
    ///   - seed: the simulator's seed; the fault draws repeat under the same seed.
    ///   - httpClient: `HTTPClient.shared` unless a test injects its own.
    public init(
        settings: BroadcastSettings, seed: UInt64, httpClient: HTTPClient = .shared,
        logger: Logger = Logger(label: "openrouter-sim.broadcast")
    ) {
        self.settings = settings
        self.httpClient = httpClient
        self.logger = logger
        // A stream of its own, apart from the simulator's other draws: "broadcas" in ASCII.
        self.random = SeededGenerator(seed: seed ^ 0x6272_6F61_6463_6173)
        let (stream, continuation) = AsyncStream.makeStream(
            of: BroadcastTrace.self, bufferingPolicy: .bufferingOldest(Self.queueLimit))
        self.traces = stream
        self.sink = continuation
    }

    /// Queues a trace for delivery without waiting. After shutdown, or with the queue full, the trace is
    /// lost and counted as dropped.
    public nonisolated func enqueue(_ trace: BroadcastTrace) {
        switch sink.yield(trace) {
        case .enqueued: break
        default: lost.add()  // the queue is full, or closed by shutdown
        }
    }

    /// Deliveries that the destination answered with a 2xx (a duplicated trace counts twice).
    public func deliveredCount() -> Int { delivered }

    /// Deliveries that ended without a 2xx: a final status, or retries used up.
    public func failedCount() -> Int { failed }

    /// Traces never sent: the drop fault, a full queue, or enqueued after shutdown.
    public func droppedCount() -> Int { dropped + lost.count }

    /// Delivers traces until graceful shutdown (or cancellation), then what is queued, for at most
    /// ``drainLimit``.
    public nonisolated func run() async throws {
        let sink = self.sink
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.deliverAll() }
            group.addTask {
                // Graceful shutdown (or cancellation) closes the queue: the loop delivers what it holds,
                // then ends; past the drain limit, whatever is still in flight is cancelled.
                try? await gracefulShutdown()
                sink.finish()
                try? await Task.sleep(for: Self.drainLimit)
            }
            _ = await group.next()
            group.cancelAll()
        }
    }

    private nonisolated func deliverAll() async {
        await withTaskGroup(of: Void.self) { group in
            var inFlight = 0
            for await trace in traces {
                let copies = await plan()
                guard copies > 0 else { continue }
                if inFlight >= Self.maxConcurrentDeliveries {
                    _ = await group.next()
                    inFlight -= 1
                }
                group.addTask { await self.deliver(trace, copies: copies) }
                inFlight += 1
            }
        }
    }

    /// How many times to send the next trace: 0 (dropped), 1, or 2 (duplicated). Drawn in queue order,
    /// two numbers per trace, so the draws repeat under the same seed.
    private func plan() -> Int {
        let dropDraw = random.unit()
        let duplicateDraw = random.unit()
        if dropDraw < settings.faults.dropShare {
            dropped += 1
            return 0
        }
        return duplicateDraw < settings.faults.duplicateShare ? 2 : 1
    }

    private func tally(_ success: Bool) {
        if success { delivered += 1 } else { failed += 1 }
    }

    private nonisolated func deliver(_ trace: BroadcastTrace, copies: Int) async {
        let late = settings.faults.lateMillis
        if late > 0 { try? await Task.sleep(for: .milliseconds(late)) }
        for _ in 0..<copies {
            let success = await send(trace)
            await tally(success)
        }
    }

    /// One delivery with its retries; true once the destination answers 2xx.
    private nonisolated func send(_ trace: BroadcastTrace) async -> Bool {
        var attempt = 1
        while true {
            switch await attemptDelivery(trace) {
            case .delivered:
                return true
            case .rejected(let status):
                logger.warning(
                    "broadcast destination rejected a trace",
                    metadata: ["status": "\(status)", "generation_id": "\(trace.generationID)"])
                return false
            case .retryable(let reason, let retryAfter):
                if attempt >= Self.maxAttempts || Task.isCancelled {
                    logger.warning(
                        "broadcast trace not delivered",
                        metadata: [
                            "status": "\(reason)", "attempts": "\(attempt)", "generation_id": "\(trace.generationID)",
                        ])
                    return false
                }
                logger.debug("broadcast delivery will be retried", metadata: ["status": "\(reason)"])
                let backoff: Duration = retryAfter ?? .milliseconds(200 * (1 << (attempt - 1)))
                do {
                    try await Task.sleep(for: backoff)
                } catch {
                    logger.warning(
                        "broadcast trace not delivered before shutdown",
                        metadata: ["status": "\(reason)", "generation_id": "\(trace.generationID)"])
                    return false
                }
                attempt += 1
            }
        }
    }

    private enum Attempt {
        case delivered
        case rejected(status: Int)
        /// `reason` is the status, or what went wrong before one arrived.
        case retryable(reason: String, retryAfter: Duration?)
    }

    private nonisolated func attemptDelivery(_ trace: BroadcastTrace) async -> Attempt {
        guard let url = settings.destination() else {
            return .retryable(reason: "no destination yet", retryAfter: nil)
        }
        var request = HTTPClientRequest(url: url)
        request.method = settings.method.uppercased() == "PUT" ? .PUT : .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        for header in settings.headers {
            if header.name.lowercased() == "content-type" {
                request.headers.replaceOrAdd(name: header.name, value: header.value)
            } else {
                request.headers.add(name: header.name, value: header.value)
            }
        }
        request.body = .bytes(ByteBuffer(string: trace.body))
        let response: HTTPClientResponse
        do {
            response = try await httpClient.execute(request, timeout: Self.requestTimeout)
        } catch {
            return .retryable(reason: "connection failed (\(error))", retryAfter: nil)
        }
        // Read the answer (a small one) so the connection can be reused; its content does not matter.
        _ = try? await response.body.collect(upTo: 1 << 20)
        let status = Int(response.status.code)
        switch status {
        case 200..<300:
            return .delivered
        case 429, 502, 503, 504:
            let seconds = response.headers.first(name: "Retry-After").flatMap { value in
                Int(value.filter { !$0.isWhitespace })
            }
            let retryAfter = seconds.map { Duration.seconds(min(max($0, 0), 60)) }
            return .retryable(reason: "\(status)", retryAfter: retryAfter)
        default:
            return .rejected(status: status)
        }
    }
}

/// Traces lost before the delivery loop saw them, counted from ``TraceBroadcaster/enqueue(_:)``.
private final class LostTraces: Sendable {
    private let lost = Mutex(0)

    func add() { lost.withLock { $0 += 1 } }

    var count: Int { lost.withLock { $0 } }
}
