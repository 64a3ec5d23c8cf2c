import ArgumentParser
import Foundation
import MCP
import OpubCore

/// `opub mcp`: a stdio MCP server with `opub_budget`, `opub_session` and `opub_project`. It holds no
/// provider secret: under `opub run` it reads the session's `session.json` (link token only); started by
/// hand it derives the link token from the key bound to the repository and drops the secret.
public struct MCPCommand: OpubSubcommand {
    public static let configuration = CommandConfiguration(
        commandName: "mcp", abstract: "Serve opub's MCP tools on stdio (agents start this themselves).")

    @Option(name: .customLong("session-dir"), help: "The session directory `opub run` created.")
    var sessionDirectory: String?

    @OptionGroup public var global: GlobalOptions

    public init() {}

    public func run(in context: CLIContext) async throws {
        let directory = sessionDirectory ?? context.environment["OPUB_SESSION_DIR"].flatMap { $0.isEmpty ? nil : $0 }
        var fallback: SessionRecord?
        if directory == nil {
            fallback = try? await standaloneRecord(context)
        }
        let tools = OpubMCPTools(sessionDirectory: directory, fallback: fallback, http: context.http)
        let server = Server(
            name: "opub", version: OpubVersion.current,
            instructions: "Tools about the donated compute this agent runs on (budget, session, project).",
            capabilities: .init(tools: .init(listChanged: false)))
        await server.withMethodHandler(ListTools.self) { _ in .init(tools: tools.definitions) }
        await server.withMethodHandler(CallTool.self) { parameters in await tools.call(parameters.name) }
        try await server.start(transport: StdioTransport())
        await server.waitUntilCompleted()
    }

    /// A record for the repository's key without a session; the secret is used only to derive the token.
    private func standaloneRecord(_ context: CLIContext) async throws -> SessionRecord {
        let support = CommandSupport(context: context, global: global)
        let configuration = try support.configStore.load()
        let (keyID, stored) = try support.resolveKey(explicit: nil, in: configuration)
        let linkToken = LinkToken.derive(secret: try await support.loadSecret(keyID, stored), keyID: keyID)
        return SessionRecord(
            sessionID: "", keyID: keyID.rawValue, project: stored.project, surface: "none",
            server: try support.server(for: stored, configuration: configuration), linkToken: linkToken, linked: false,
            startedAt: "", pid: getpid(), model: nil)
    }
}
