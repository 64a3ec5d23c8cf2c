/// Claude Code: the Anthropic Messages API at `{anthropic}` with the key as a bearer token.
///
/// `ANTHROPIC_API_KEY` must be present and empty, or a stored Anthropic login wins over the token.
/// Attribution goes in `ANTHROPIC_CUSTOM_HEADERS` (one `Name: value` per line). A model sets
/// `ANTHROPIC_MODEL` and all three `ANTHROPIC_DEFAULT_{OPUS,SONNET,HAIKU}_MODEL`, so that every tier
/// Claude Code picks uses it (its own default model is not one OpenRouter serves under that name).
/// Inherited variables that would send it to Bedrock, Vertex or Foundry instead are removed.
/// MCP: `--mcp-config={session}/claude-mcp.json` as one argument (the option takes several values and
/// would swallow a prompt after it), and `--allowedTools=mcp__opub`: opub's tools only read the key's
/// budget and the session, and without the permission `claude -p` refuses every call to them.
public enum ClaudeLaunch {
    public static let mcpConfigFile = "claude-mcp.json"

    /// Variables that point Claude Code at another backend than `ANTHROPIC_BASE_URL`.
    public static let rerouting = [
        "CLAUDE_CODE_USE_BEDROCK", "CLAUDE_CODE_USE_VERTEX", "CLAUDE_CODE_USE_FOUNDRY", "CLAUDE_CODE_SKIP_BEDROCK_AUTH",
        "CLAUDE_CODE_SKIP_VERTEX_AUTH", "CLAUDE_CODE_SKIP_FOUNDRY_AUTH", "ANTHROPIC_BEDROCK_BASE_URL",
        "ANTHROPIC_VERTEX_BASE_URL", "ANTHROPIC_VERTEX_PROJECT_ID", "ANTHROPIC_FOUNDRY_BASE_URL",
        "ANTHROPIC_FOUNDRY_RESOURCE", "ANTHROPIC_SMALL_FAST_MODEL", "CLAUDE_CODE_OAUTH_TOKEN",
    ]

    public static func plan(_ inputs: LaunchInputs) -> LaunchPlan {
        var environment = [
            EnvironmentVariable("ANTHROPIC_BASE_URL", .literal(inputs.anthropicBaseURL)),
            EnvironmentVariable("ANTHROPIC_AUTH_TOKEN", .secret),
            EnvironmentVariable("ANTHROPIC_API_KEY", .literal("")),
            EnvironmentVariable(
                "ANTHROPIC_CUSTOM_HEADERS",
                .literal(inputs.attribution.fields.map(\.line).joined(separator: "\n"))),
        ]
        if let model = inputs.model {
            environment.append(EnvironmentVariable("ANTHROPIC_MODEL", .literal(model)))
            for tier in ["OPUS", "SONNET", "HAIKU"] {
                environment.append(EnvironmentVariable("ANTHROPIC_DEFAULT_\(tier)_MODEL", .literal(model)))
            }
        }
        let mcp = JSONValue.object([
            (
                "mcpServers",
                .object([
                    (
                        "opub",
                        .object([
                            ("type", .string("stdio")),
                            ("command", .string(inputs.mcpCommand[0])),
                            ("args", .array(inputs.mcpCommand.dropFirst().map { .string($0) })),
                        ])
                    )
                ])
            )
        ])
        return LaunchPlan(
            surface: .claude, program: Surface.claude.program,
            arguments: ["--mcp-config=" + inputs.sessionFile(mcpConfigFile), "--allowedTools=mcp__opub"],
            environment: environment,
            files: [GeneratedFile(relativePath: mcpConfigFile, contents: mcp.rendered(pretty: true) + "\n")],
            removed: rerouting)
    }
}
