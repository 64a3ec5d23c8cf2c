import ArgumentParser
import Foundation
import OpubCore
import OpubSurfaces

/// `opub run <surface> [--key ck_…] [--model M] [-- agent args…]`: starts the agent at once with the
/// key, links the session concurrently, and exits with the agent's status.
public struct RunCommand: OpubSubcommand {
    public static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Run an agent on this repository's compute key, as a linked session.")

    @Argument(help: "The agent: \(Surface.allCases.map(\.rawValue).joined(separator: ", ")).")
    var surface: Surface

    @Option(help: "The key to use (default: the one bound to this repository).")
    var key: String?

    @Option(help: "The model (default: opub's recommendation for this agent).")
    var model: String?

    @Argument(parsing: .postTerminator, help: "Arguments passed to the agent after --.")
    var agentArguments: [String] = []

    @OptionGroup public var global: GlobalOptions

    public init() {}

    public func run(in context: CLIContext) async throws {
        let support = CommandSupport(context: context, global: global)
        let configuration = try support.configStore.load()
        let (keyID, stored) = try support.resolveKey(explicit: key, in: configuration)
        guard let repository = try? RepositoryName(parsing: stored.project) else {
            throw CLIError("config.toml names an invalid project for \(keyID): '\(stored.project)'.")
        }
        let server = try support.server(for: stored, configuration: configuration)
        let providerURL = try support.providerURL(advertised: stored.providerURL, configuration: configuration)
        let secret = try await support.loadSecret(keyID, stored)
        guard let program = ExecutableLookup.find(surface.program, path: context.environment["PATH"]) else {
            throw CLIError(
                "\(surface.program) (\(surface.displayName)) is not installed or not on PATH. Install it with: "
                    + surface.installHint, exitCode: 127)
        }

        // A build recorded as too old at setup is asked again (it may have been upgraded since).
        if SurfaceRequirement.refusal(surface, versionLine: stored.surfaceVersions?[surface.rawValue]) != nil,
            let refusal = SurfaceRequirement.refusal(
                surface, versionLine: try await SurfaceVersion.read(program: program, context: context))
        {
            throw CLIError(refusal)
        }

        let sessionID = SessionID.random()
        let directory = SessionDirectory(path: support.paths.sessionDirectory(for: sessionID.rawValue))
        let chosenModel = model ?? stored.models?[surface.rawValue]
        let inputs = LaunchInputs(
            repository: repository, keyID: keyID, sessionID: sessionID, providerBaseURL: providerURL,
            model: chosenModel, opubExecutable: context.opubExecutable, sessionDirectory: directory.path)
        let plan = LaunchTable.plan(for: surface, inputs)

        try directory.create()
        defer { directory.remove() }
        let vibeHome = try directory.write(plan, environment: context.environment)
        let linkToken = LinkToken.derive(secret: secret, keyID: keyID)
        let record = SessionRecord(
            sessionID: sessionID.rawValue, keyID: keyID.rawValue, project: repository.description,
            surface: surface.rawValue, server: server, linkToken: linkToken, linked: false,
            startedAt: context.clock.now().iso8601, pid: getpid(), model: chosenModel)
        try record.write(to: directory.path)

        let environment = Self.childEnvironment(
            base: context.environment, plan: plan, secret: secret, sessionID: sessionID, directory: directory.path)
        let client = OpubServerClient(
            server: server, linkToken: linkToken, transport: context.http, timeout: .seconds(5))
        let linker = SessionLinker(
            client: client, sessionID: sessionID,
            start: CLISessionStart(
                keyID: keyID.rawValue, surface: surface.rawValue,
                surfaceVersion: stored.surfaceVersions?[surface.rawValue], cliVersion: OpubVersion.current,
                os: OpubVersion.operatingSystem),
            heartbeatInterval: .seconds(max(1, stored.heartbeatIntervalSeconds ?? 60)), console: context.console,
            debug: context.environment["OPUB_DEBUG"] == "1",
            onLinkChange: { linked in
                var updated = record
                updated.linked = linked
                try? updated.write(to: directory.path)
            })

        let exit = try await withThrowingTaskGroup(of: Void.self, returning: AgentExit.self) { group in
            let (started, startedSignal) = AsyncStream<Void>.makeStream()
            group.addTask {
                // Linking begins once the agent exists, never before: the agent is not kept waiting.
                for await _ in started { break }
                await linker.run()
            }
            defer { group.cancelAll() }
            do {
                return try await context.agents.run(
                    executable: program, arguments: plan.arguments + agentArguments, environment: environment,
                    onStart: {
                        startedSignal.yield()
                        startedSignal.finish()
                    })
            } catch {
                startedSignal.finish()
                throw CLIError("\(error)", exitCode: 127)
            }
        }
        await linker.finish(exit: exit)
        vibeHome?.saveTrustChanges()
        SessionRecord.removeStale(in: support.paths.runtimeDirectory)
        if exit.shellStatus != 0 { throw ExitCode(exit.shellStatus) }
    }

    /// The parent's environment, minus any variable that could carry a secret the plan does not put
    /// there and the variables that would reroute the agent (``LaunchPlan/removed``), plus the plan's
    /// variables and the session's id and directory.
    static func childEnvironment(
        base: [String: String], plan: LaunchPlan, secret: String, sessionID: SessionID, directory: String
    ) -> [String: String] {
        var cleaned = base
        let secretBearing = [
            "OPUB_PROVIDER_KEY", "OPENROUTER_API_KEY", "ANTHROPIC_AUTH_TOKEN", "COPILOT_PROVIDER_API_KEY",
        ]
        for name in secretBearing { cleaned.removeValue(forKey: name) }
        var environment = plan.applied(to: cleaned, secret: secret)
        environment["OPUB_SESSION_ID"] = sessionID.rawValue
        environment["OPUB_SESSION_DIR"] = directory
        return environment
    }
}
