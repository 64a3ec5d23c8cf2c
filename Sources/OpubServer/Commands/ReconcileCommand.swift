import ArgumentParser
import Foundation
import OpenRouter
import OpubCore
import OpubStore

/// `opub-server reconcile --once`: one reconcile cycle against the configured provider, under the
/// same lease the service uses (it does nothing while another replica holds it).
struct ReconcileCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reconcile",
        abstract: "Bring the ledger in line with the provider: spend, caps, drains, expiries, clean-up.")

    @OptionGroup var database: DatabaseOptions

    @Flag(help: "Run one cycle and exit (the service runs cycles on an interval).")
    var once = false

    func run() async throws {
        guard once else {
            throw OperatorError(
                "use `opub-server reconcile --once`; `opub-server serve` runs the reconciler continuously")
        }
        let provider = try ProviderSettings.fromEnvironment()
        let report = try await withMigratedStore(database) { store in
            let counting = CountingProviderKeys(provider.client())
            let executor = ReconcileExecutor(store: store, provider: counting, logger: commandLogger("opub.reconciler"))
            let reconciler = Reconciler(
                executor: executor, store: store, holder: "cli-\(ProcessInfo.processInfo.processIdentifier)")
            switch await reconciler.runOnce() {
            case .completed(let report): return (report, counting.calls)
            case .leaseHeldElsewhere: throw OperatorError("another replica holds the reconcile lease; nothing to do")
            case .failed(let reason): throw OperatorError("the reconcile cycle failed: \(reason)")
            }
        }
        print("Reconciled: \(report.0); \(report.1) provider call(s).")
        if !report.0.errors.isEmpty {
            throw OperatorError(
                "\(report.0.errors.count) action(s) failed; the next cycle retries them: \(report.0.errors[0])")
        }
    }
}

/// Where the provider is and how opub authenticates to it (`OPENROUTER_BASE_URL`,
/// `OPENROUTER_MANAGEMENT_KEY`).
struct ProviderSettings: Sendable {
    let baseURL: String
    let managementKey: String

    static func fromEnvironment(
        _ environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws
        -> ProviderSettings
    {
        guard let key = environment["OPENROUTER_MANAGEMENT_KEY"], !key.isEmpty else {
            throw OperatorError("OPENROUTER_MANAGEMENT_KEY is not set; reconciling needs the provider's management key")
        }
        let base =
            environment["OPENROUTER_BASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
            ?? OpenRouterClient.Configuration.defaultBaseURL
        guard let url = URL(string: base), url.scheme == "https" || url.scheme == "http", url.host != nil else {
            throw OperatorError("OPENROUTER_BASE_URL '\(base)' is not an http(s) URL")
        }
        return ProviderSettings(baseURL: base, managementKey: key)
    }

    func client() -> OpenRouterClient {
        OpenRouterClient(apiKey: managementKey, configuration: .init(baseURL: baseURL))
    }
}
