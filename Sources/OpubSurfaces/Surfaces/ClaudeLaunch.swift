/// Claude Code: the Anthropic Messages API at `{anthropic}` with the key as a bearer token.
///
/// `ANTHROPIC_API_KEY` must be present and empty, or a stored Anthropic login wins over the token.
/// Attribution goes in `ANTHROPIC_CUSTOM_HEADERS` (one `Name: value` per line). A model sets all three
/// `ANTHROPIC_DEFAULT_{OPUS,SONNET,HAIKU}_MODEL`, so that every tier Claude Code picks uses it.
/// MCP: `--mcp-config {session}/claude-mcp.json`.
public enum ClaudeLaunch {
    public static let mcpConfigFile = "claude-mcp.json"

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
            for tier in ["OPUS", "SONNET", "HAIKU"] {
                environment.append(EnvironmentVariable("ANTHROPIC_DEFAULT_\(tier)_MODEL", .literal(model)))
            }
        }
        let mcp = JSONText.object([
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
            arguments: ["--mcp-config", inputs.sessionFile(mcpConfigFile)], environment: environment,
            files: [GeneratedFile(relativePath: mcpConfigFile, contents: mcp.rendered(pretty: true) + "\n")])
    }
}
