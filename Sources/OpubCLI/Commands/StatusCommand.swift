import ArgumentParser
import OpenRouter
import OpubCore
import OpubSurfaces

/// `opub status`: the binding, the key's state and money as the provider and opub see it, what the
/// project has left, and running sessions.
public struct StatusCommand: OpubSubcommand {
    public static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show this repository's key, its budget, and running sessions.")

    @Option(help: "The key (default: the one bound to this repository).")
    var key: String?

    @OptionGroup public var global: GlobalOptions

    public init() {}

    struct Report: Encodable {
        var key: String
        var project: String
        var bound_root: String?
        var state: String?
        var disabled_reason: String?
        var replaced_by: String?
        var allowance: CLIAmount?
        var renews_on: String?
        var alerts: [String]?
        var direct_use_since_last_session: CLIAmount?
        var opub: Money?
        var provider: Money?
        var project_available: CLIAmount?
        var opub_error: String?
        var provider_error: String?
        var sessions: [Session]

        struct Money: Encodable {
            var limit: CLIAmount?
            var spent: CLIAmount
            var remaining: CLIAmount?
        }

        struct Session: Encodable {
            var id: String
            var surface: String
            var linked: Bool
            var started_at: String
        }
    }

    public func run(in context: CLIContext) async throws {
        let support = CommandSupport(context: context, global: global)
        var configuration = try support.configStore.load()
        let (keyID, stored) = try support.resolveKey(explicit: key, in: configuration)
        let secret = try await support.loadSecret(keyID, stored)
        let server = try support.server(for: stored, configuration: configuration)
        let root = GitWorkTree.root(containing: context.currentDirectory)
        var report = Report(
            key: keyID.rawValue, project: stored.project,
            bound_root: root.flatMap { configuration.binding(forRoot: $0)?.root }, sessions: [])

        async let opubStatus = Result(catching: {
            try await support.serverClient(server: server, secret: secret, keyID: keyID).keyStatus(keyID)
        })
        let providerURL = try support.providerURL(advertised: stored.providerURL, configuration: configuration)
        async let providerStatus = Result(catching: {
            try await ProviderKeyCheck.currentKey(secret: secret, providerURL: providerURL)
        })
        switch await opubStatus {
        case .success(let status):
            report.state = status.key.state
            report.disabled_reason = status.key.disabledReason
            report.replaced_by = status.key.replacedBy
            report.allowance = status.key.allowance
            report.renews_on = status.key.renewsOn
            report.alerts = status.key.alerts
            report.direct_use_since_last_session = status.key.directUseSinceLastSession
            report.opub = .init(limit: status.key.limit, spent: status.key.spent, remaining: status.key.remaining)
            report.project_available = status.project.available
            // Keep the cached recommendations and heartbeat interval current for `opub run`.
            if var updated = configuration.keys[keyID.rawValue] {
                updated.models = status.recommendedModels
                updated.heartbeatIntervalSeconds = status.heartbeatIntervalSeconds
                configuration.keys[keyID.rawValue] = updated
                try? support.configStore.save(configuration)
            }
        case .failure(let error):
            report.opub_error = "\(error)"
        }
        switch await providerStatus {
        case .success(let info):
            report.provider = .init(
                limit: info.limit.map(CLIAmount.init), spent: CLIAmount(info.usage),
                remaining: info.limitRemaining.map(CLIAmount.init))
        case .failure(let error):
            report.provider_error = ProviderKeyCheck.explain(error, providerURL: providerURL)
        }
        report.sessions = SessionRecord.running(in: support.paths.runtimeDirectory)
            .filter { $0.keyID == keyID.rawValue }
            .map { .init(id: $0.sessionID, surface: $0.surface, linked: $0.linked, started_at: $0.startedAt) }

        if global.json {
            try context.console.emitJSON(report)
            return
        }
        print(report, to: context.console)
    }

    private func print(_ report: Report, to console: Console) {
        func money(_ amount: CLIAmount?) -> String { amount.map { $0.money.description } ?? "no limit" }
        console.result("key       \(report.key) (\(report.project))")
        console.result("binding   \(report.bound_root ?? "this directory is not bound (using --key)")")
        if let state = report.state {
            console.result("state     \(state)\(report.disabled_reason.map { " (\($0))" } ?? "")")
        }
        if let notice = CLISessionStarted.directUseNotice(report.direct_use_since_last_session) {
            console.result("direct    " + notice)
        }
        for alert in report.alerts ?? [] { console.result("alert     " + alert) }
        if let successor = report.replaced_by {
            console.result(
                "rotated   "
                    + CLIKeyStatus.rotatedMessage(key: report.key, replacedBy: successor, project: report.project))
        }
        if let opub = report.opub, let allowance = report.allowance {
            console.result(
                "opub      \(allowance.money) / month, \(money(opub.remaining)) left, renews on "
                    + "\(report.renews_on ?? "the 1st"); spent \(opub.spent.money) in all")
        } else if let opub = report.opub {
            console.result(
                "opub      limit \(money(opub.limit)), spent \(opub.spent.money), remaining \(money(opub.remaining))")
        } else if let error = report.opub_error {
            console.result("opub      unavailable: \(error)")
        }
        if let provider = report.provider {
            console.result(
                "provider  limit \(money(provider.limit)), spent \(provider.spent.money), "
                    + "remaining \(money(provider.remaining))")
        } else if let error = report.provider_error {
            console.result("provider  unavailable: \(error)")
        }
        if let available = report.project_available {
            console.result("project   \(available.money) available for new keys")
        }
        if report.sessions.isEmpty {
            console.result("session   none running")
        }
        for session in report.sessions {
            console.result(
                "session   \(session.id) \(session.surface), \(session.linked ? "linked" : "unlinked"), "
                    + "since \(session.started_at)")
        }
    }
}

extension Result where Failure == any Error {
    init(catching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}
