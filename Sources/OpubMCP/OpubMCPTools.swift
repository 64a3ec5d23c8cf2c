import Foundation
import MCP
import OpubCLI
import OpubCore
import OpubSurfaces

/// The three tools `opub mcp` serves. They read the session the parent `opub run` left in its
/// directory and ask the opub server with the link token; no provider secret is involved.
struct OpubMCPTools: Sendable {
    /// Where `session.json` is, when running under `opub run`.
    let sessionDirectory: String?
    /// The key and server when no session is running (`opub mcp` started by hand in a bound repository).
    let fallback: SessionRecord?
    let http: any HTTPTransport

    static let budget = "opub_budget"
    static let session = "opub_session"
    static let project = "opub_project"

    var definitions: [Tool] {
        let noArguments = Value.object(["type": .string("object"), "properties": .object([:])])
        return [
            Tool(
                name: Self.budget,
                description: "The compute key's dollar limit, spent and remaining, and what the project has available.",
                inputSchema: noArguments, annotations: .init(readOnlyHint: true, openWorldHint: true)),
            Tool(
                name: Self.session,
                description: "This opub session: id, project, agent surface, and whether it is linked to opub.",
                inputSchema: noArguments, annotations: .init(readOnlyHint: true, openWorldHint: false)),
            Tool(
                name: Self.project,
                description:
                    "What the project is and how donated compute pays for this session, so the work can credit it.",
                inputSchema: noArguments, annotations: .init(readOnlyHint: true, openWorldHint: false)),
        ]
    }

    static func text(_ text: String) -> Tool.Content { .text(text: text, annotations: nil, _meta: nil) }

    func currentRecord() -> SessionRecord? {
        if let sessionDirectory, let record = try? SessionRecord.read(from: sessionDirectory) { return record }
        return fallback
    }

    func call(_ name: String) async -> CallTool.Result {
        guard let record = currentRecord() else {
            return .init(
                content: [
                    Self.text(
                        "No opub session or key here: start the agent with `opub run <surface>` in a repository "
                            + "set up with `opub setup`.")
                ], isError: true)
        }
        switch name {
        case Self.budget: return await budget(record)
        case Self.session: return session(record)
        case Self.project: return project(record)
        default: return .init(content: [Self.text("Unknown tool \(name).")], isError: true)
        }
    }

    private func budget(_ record: SessionRecord) async -> CallTool.Result {
        guard let keyID = KeyID(record.keyID) else {
            return .init(content: [Self.text("The session names no valid key.")], isError: true)
        }
        let client = OpubServerClient(server: record.server, linkToken: record.linkToken, transport: http)
        do {
            let status = try await client.keyStatus(keyID)
            func text(_ amount: CLIAmount?) -> String { amount.map { $0.money.description } ?? "no limit" }
            let summary =
                "Key \(status.key.id) (\(status.key.name)) is \(status.key.state): limit \(text(status.key.limit)), "
                + "spent \(status.key.spent.money), remaining \(text(status.key.remaining)). "
                + "Project \(status.project.fullName) has \(status.project.available.money) available for new keys."
            let structured = Value.object([
                "key_id": .string(status.key.id),
                "state": .string(status.key.state),
                "limit_usd": status.key.limit.map { .string($0.usd) } ?? .null,
                "spent_usd": .string(status.key.spent.usd),
                "remaining_usd": status.key.remaining.map { .string($0.usd) } ?? .null,
                "project": .string(status.project.fullName),
                "project_available_usd": .string(status.project.available.usd),
            ])
            return .init(content: [Self.text(summary)], structuredContent: Optional(structured), isError: false)
        } catch {
            return .init(content: [Self.text("Could not ask opub for the budget: \(error)")], isError: true)
        }
    }

    private func session(_ record: SessionRecord) -> CallTool.Result {
        let hasSession = record.sessionID.hasPrefix("ls_")
        let summary =
            hasSession
            ? "Session \(record.sessionID) of \(record.project) with \(record.surface), started \(record.startedAt), "
                + (record.linked ? "linked to opub." : "not linked to opub yet (opub is retrying).")
            : "No linked session: this MCP server was not started by `opub run`."
        let structured = Value.object([
            "session_id": hasSession ? .string(record.sessionID) : .null,
            "project": .string(record.project),
            "surface": .string(record.surface),
            "linked": .bool(hasSession && record.linked),
            "started_at": hasSession ? .string(record.startedAt) : .null,
            "model": record.model.map { .string($0) } ?? .null,
        ])
        return .init(content: [Self.text(summary)], structuredContent: Optional(structured), isError: false)
    }

    private func project(_ record: SessionRecord) -> CallTool.Result {
        let page = "\(record.server)/github/\(record.project)"
        let summary = """
            \(record.project) is an open-source project on GitHub. The compute for this session is donated: people \
            gave money to \(record.project) through opub (\(page)), and a maintainer minted the key this agent uses, \
            with a dollar limit reserved from those donations. Every request's cost is public on the project's \
            ledger. Spend carefully, and when you describe this work (commit messages, pull requests), you can credit \
            it as: "Compute donated via opub (\(page))".
            """
        let structured = Value.object([
            "project": .string(record.project),
            "page": .string(page),
            "credit_line": .string("Compute donated via opub (\(page))"),
        ])
        return .init(content: [Self.text(summary)], structuredContent: Optional(structured), isError: false)
    }
}
