import Foundation
import MCP
import OpubCLI
import OpubSurfaces

/// The stdio MCP server behind `opub mcp` (which execs `opub-mcp`): tools `opub_budget`, `opub_session`
/// and `opub_project`. It reads the session from `--session-dir` / `OPUB_SESSION_DIR`, or, when `opub mcp`
/// was started by hand, the record `opub mcp` passed in `OPUB_MCP_SESSION` (link token only, no secret).
public enum OpubMCPServer {
    public static func main(arguments: [String], environment: [String: String]) async -> Int32 {
        var sessionDirectory = environment["OPUB_SESSION_DIR"].flatMap { $0.isEmpty ? nil : $0 }
        if let index = arguments.firstIndex(of: "--session-dir"), index + 1 < arguments.count {
            sessionDirectory = arguments[index + 1]
        }
        let fallback = environment["OPUB_MCP_SESSION"].flatMap {
            try? JSONDecoder().decode(SessionRecord.self, from: Data($0.utf8))
        }
        let tools = OpubMCPTools(sessionDirectory: sessionDirectory, fallback: fallback, http: AsyncHTTPTransport())
        let server = Server(
            name: "opub", version: OpubVersion.current,
            instructions: "Tools about the donated compute this agent runs on (budget, session, project).",
            capabilities: .init(tools: .init(listChanged: false)))
        await server.withMethodHandler(ListTools.self) { _ in .init(tools: tools.definitions) }
        await server.withMethodHandler(CallTool.self) { parameters in await tools.call(parameters.name) }
        do {
            try await server.start(transport: InitializeCompatibleTransport())
        } catch {
            FileHandle.standardError.write(Data("opub: the MCP server could not start: \(error)\n".utf8))
            return 1
        }
        await server.waitUntilCompleted()
        return 0
    }
}
