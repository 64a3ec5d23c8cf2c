import ArgumentParser
import Foundation
import OpubCore

/// `opub mcp`: a stdio MCP server with `opub_budget`, `opub_session` and `opub_project`, served by the
/// `opub-mcp` program installed beside `opub` (exec'd in place, so stdio is the agent's). It holds no
/// provider secret: under `opub run` it reads the session's `session.json` (link token only); started by
/// hand it gets the link token of the repository's key, derived here, and never the secret.
public struct MCPCommand: OpubSubcommand {
    public static let configuration = CommandConfiguration(
        commandName: "mcp", abstract: "Serve opub's MCP tools on stdio (agents start this themselves).")

    @Option(name: .customLong("session-dir"), help: "The session directory `opub run` created.")
    var sessionDirectory: String?

    @OptionGroup public var global: GlobalOptions

    public init() {}

    public func run(in context: CLIContext) async throws {
        let server = try Self.serverProgram(context)
        var environment = context.environment
        let directory = sessionDirectory ?? environment["OPUB_SESSION_DIR"].flatMap { $0.isEmpty ? nil : $0 }
        environment.removeValue(forKey: "OPUB_MCP_SESSION")
        if let directory {
            environment["OPUB_SESSION_DIR"] = directory
        } else if let record = try? await standaloneRecord(context) {
            environment["OPUB_MCP_SESSION"] = String(decoding: try JSONEncoder().encode(record), as: UTF8.self)
        }
        for name in ["OPUB_PROVIDER_KEY", "OPENROUTER_API_KEY", "ANTHROPIC_AUTH_TOKEN", "COPILOT_PROVIDER_API_KEY"] {
            environment.removeValue(forKey: name)
        }
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup(server), nil]
        let envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        execve(server, argv, envp)
        throw CLIError("could not start \(server): \(String(cString: strerror(errno)))")
    }

    /// `opub-mcp` beside this executable, else on `PATH`.
    static func serverProgram(_ context: CLIContext) throws -> String {
        let sibling = (context.opubExecutable as NSString).deletingLastPathComponent + "/opub-mcp"
        if access(sibling, X_OK) == 0 { return sibling }
        if let found = ExecutableLookup.find("opub-mcp", path: context.environment["PATH"]) { return found }
        throw CLIError(
            "opub-mcp is not installed beside \(context.opubExecutable); reinstall opub with install.sh "
                + "(or build it: swift build --product opub-mcp).")
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
