import ArgumentParser
import OpenRouterSim

/// `openrouter-sim`: a local OpenRouter for development, tests, demos and benchmarks.
struct OpenRouterSimCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "openrouter-sim",
        abstract: "A faithful local OpenRouter: management API, inference with costs and limits, faults.",
        subcommands: [Serve.self, Bench.self], defaultSubcommand: Serve.self)
}

extension OpenRouterSimCommand {
    /// Serves until SIGINT or SIGTERM, after printing `openrouter-sim url=… management_key=…` on one line.
    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Serve the simulator (the default).")

        @Option(help: "Address to bind.") var host = "127.0.0.1"
        @Option(help: "Port to bind; 0 picks a free one.") var port = 0
        @Option(help: "The management key; a random sk-or-v1-… key when omitted.") var managementKey: String?
        @Option(help: "Seed for secrets, ids and answers; random when omitted.") var seed: UInt64?
        @Option(help: "A JSON file the state is loaded from and saved to.") var state: String?
        @Option(
            help: "A fault rule, e.g. 'route=POST /keys,error_status=502,count=2' (repeatable; see the docs).")
        var fault: [String] = []
        @Flag(help: "Charge actual cost even past a key's limit (skip the worst-case check).") var overshoot = false
        @Option(help: "Show usage on /keys only this many seconds after it happens.") var usageLagSeconds = 0
        @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.") var logLevel = "info"
        @Option(help: "Post an OTLP JSON trace of each inference request to this URL (OpenRouter's Broadcast).")
        var broadcastUrl: String?
        @Option(help: "The broadcast's HTTP method: POST or PUT.") var broadcastMethod = "POST"
        @Option(help: "A header sent with each broadcast, e.g. 'Authorization: Bearer …' (repeatable).")
        var broadcastHeader: [String] = []
        @Option(help: "Broadcast faults, e.g. 'drop=0.1,duplicate=0.2,late_ms=1500' (any subset).")
        var broadcastFault: String?

        mutating func run() async throws { try await execute() }

        func validate() throws {
            let otherBroadcastOptions =
                broadcastMethod.uppercased() != "POST" || !broadcastHeader.isEmpty || broadcastFault != nil
            if broadcastUrl == nil, otherBroadcastOptions {
                throw ValidationError(
                    "--broadcast-method, --broadcast-header and --broadcast-fault require --broadcast-url")
            }
            _ = try broadcastSettings()
        }

        /// The `--broadcast-*` options as settings; nil without `--broadcast-url`.
        func broadcastSettings() throws -> BroadcastSettings? {
            guard let broadcastUrl else { return nil }
            guard broadcastUrl.hasPrefix("http://") || broadcastUrl.hasPrefix("https://") else {
                throw ValidationError("--broadcast-url '\(broadcastUrl)': an http:// or https:// URL is required")
            }
            let method = broadcastMethod.uppercased()
            guard method == "POST" || method == "PUT" else {
                throw ValidationError("--broadcast-method '\(broadcastMethod)': POST or PUT is required")
            }
            var headers: [(name: String, value: String)] = []
            var faults = BroadcastFaults()
            do {
                for flag in broadcastHeader { headers.append(try BroadcastSettings.header(flag: flag)) }
                if let broadcastFault { faults = try BroadcastFaults(flag: broadcastFault) }
            } catch {
                throw ValidationError(String(describing: error))
            }
            return BroadcastSettings(url: broadcastUrl, method: method, headers: headers, faults: faults)
        }

        func execute() async throws {
            let rules: [FaultRule]
            do {
                rules = try fault.map { flag throws(FaultFlagError) in try FaultRule(flag: flag) }
            } catch {
                throw ValidationError(error.description)
            }
            let logger = SimulatorLogging.bootstrap(level: .init(rawValue: logLevel) ?? .info)
            let key = managementKey ?? SimulatorConfiguration.generateManagementKey()
            var configuration = SimulatorConfiguration(
                managementKeys: [key],
                faults: FaultSettings(rules: rules, overshoot: overshoot, usageLagSeconds: usageLagSeconds))
            if let seed { configuration.seed = seed }
            configuration.broadcast = try broadcastSettings()
            let simulator = OpenRouterSimulator(configuration: configuration)
            try await simulator.serve(host: host, port: port, statePath: state, logger: logger) { baseURL in
                StandardOutput.writeLine("openrouter-sim url=\(baseURL) management_key=\(key)")
            }
        }
    }

    /// Measures inference throughput and key listing over real HTTP.
    struct Bench: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Measure inference requests/s and the time to list all keys.")

        @Option(help: "Chat completions to send.") var requests = 4000
        @Option(help: "Concurrent clients.") var concurrency = 16
        @Option(help: "Keys to hold when timing the full listing.") var keys = 10_000

        mutating func run() async throws { try await execute() }

        func execute() async throws {
            _ = SimulatorLogging.bootstrap(level: .warning)
            let report = try await SimulatorBenchmark(requests: requests, concurrency: concurrency, keys: keys).run()
            StandardOutput.writeLine(report.description)
        }
    }
}
