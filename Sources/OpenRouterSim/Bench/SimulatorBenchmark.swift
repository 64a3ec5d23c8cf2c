import AsyncHTTPClient
import OpenRouter
import OpubCore

/// Measures the simulator over real HTTP on loopback, through opub's own client:
/// (a) inference requests per second with N concurrent clients, and (b) the time to list every key
/// with the client's paging when the simulator holds `keys` keys.
public struct SimulatorBenchmark: Sendable {
    public var requests: Int
    public var concurrency: Int
    public var keys: Int

    public init(requests: Int = 4000, concurrency: Int = 16, keys: Int = 10_000) {
        self.requests = max(1, requests)
        self.concurrency = max(1, concurrency)
        self.keys = max(1, keys)
    }

    public struct Report: Sendable, CustomStringConvertible {
        public var inferenceRequests: Int
        public var concurrency: Int
        public var inferenceSeconds: Double
        public var keysListed: Int
        public var listCalls: Int
        public var listSeconds: Double

        public var inferencePerSecond: Double { Double(inferenceRequests) / max(inferenceSeconds, 1e-9) }

        public var description: String {
            """
            inference: \(inferenceRequests) chat completions, \(concurrency) concurrent clients, \
            \(Self.format(inferenceSeconds)) s, \(Self.format(inferencePerSecond, places: 0)) requests/s
            list keys: \(keysListed) keys in \(listCalls) GET /keys calls, \(Self.format(listSeconds)) s
            """
        }

        static func format(_ value: Double, places: Int = 3) -> String {
            var scale = 1.0
            for _ in 0..<places { scale *= 10 }
            let rounded = (value * scale).rounded() / scale
            return places == 0 ? String(Int(rounded)) : String(rounded)
        }
    }

    public func run() async throws -> Report {
        let managementKey = SimulatorConfiguration.generateManagementKey()
        let configuration = SimulatorConfiguration(managementKeys: [managementKey], seed: 1)
        var poolConfiguration = HTTPClient.Configuration()
        poolConfiguration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = concurrency
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: poolConfiguration)
        do {
            let report = try await OpenRouterSimulator.withRunningServer(configuration: configuration) { running in
                try await measure(running, http: http)
            }
            try await http.shutdown()
            return report
        } catch {
            try? await http.shutdown()
            throw error
        }
    }

    private func measure(_ running: RunningSimulator, http: HTTPClient) async throws -> Report {
        let settings = OpenRouterClient.Configuration(baseURL: running.baseURL, retryPolicy: .never)
        let admin = OpenRouterClient(apiKey: running.managementKey, configuration: settings, httpClient: http)
        let created = try await admin.createKey(CreateKeyRequest(name: "bench"))
        let inference = OpenRouterClient(apiKey: created.secret, configuration: settings, httpClient: http)
        let (requests, concurrency) = (self.requests, self.concurrency)
        let clock = ContinuousClock()
        let started = clock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<concurrency {
                group.addTask {
                    var index = worker
                    while index < requests {
                        let message = ChatCompletionRequest.Message(role: "user", content: "Benchmark prompt \(index)")
                        _ = try await inference.chatCompletion(
                            ChatCompletionRequest(model: "openai/gpt-5.4-mini", messages: [message], maxTokens: 64))
                        index += concurrency
                    }
                }
            }
            try await group.waitForAll()
        }
        let inferenceSeconds = Self.seconds(started.duration(to: clock.now))

        await running.state.seedKeys(count: keys - 1, namePrefix: "bench")
        await running.state.resetRequestCounts()
        let listStarted = clock.now
        let listed = try await admin.listAllKeys(includeDisabled: true)
        let listSeconds = Self.seconds(listStarted.duration(to: clock.now))
        return Report(
            inferenceRequests: requests, concurrency: concurrency, inferenceSeconds: inferenceSeconds,
            keysListed: listed.count, listCalls: await running.state.requestCount("GET /keys"),
            listSeconds: listSeconds)
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
