/// GitHub Copilot CLI in bring-your-own-provider mode: `COPILOT_PROVIDER_BASE_URL={base}`,
/// `COPILOT_PROVIDER_TYPE=openai`, `COPILOT_PROVIDER_API_KEY={secret}`, `COPILOT_MODEL`. It cannot send
/// custom headers, so its requests carry no attribution. Every inherited `COPILOT_PROVIDER_*` (a
/// user's own provider settings: type, wire API, bearer token, …) and `COPILOT_MODEL` is removed first,
/// so nothing of another provider mixes with opub's. MCP:
/// `--additional-mcp-config @{session}/copilot-mcp.json`.
public enum CopilotLaunch {
    public static let mcpConfigFile = "copilot-mcp.json"

    public static func plan(_ inputs: LaunchInputs) -> LaunchPlan {
        var environment = [
            EnvironmentVariable("COPILOT_PROVIDER_BASE_URL", .literal(inputs.baseURL)),
            EnvironmentVariable("COPILOT_PROVIDER_TYPE", .literal("openai")),
            EnvironmentVariable("COPILOT_PROVIDER_API_KEY", .secret),
        ]
        if let model = inputs.model { environment.append(EnvironmentVariable("COPILOT_MODEL", .literal(model))) }
        let mcp = JSONValue.object([
            (
                "mcpServers",
                .object([
                    (
                        "opub",
                        .object([
                            ("type", .string("local")),
                            ("command", .string(inputs.mcpCommand[0])),
                            ("args", .array(inputs.mcpCommand.dropFirst().map { .string($0) })),
                            ("tools", .array([.string("*")])),
                        ])
                    )
                ])
            )
        ])
        return LaunchPlan(
            surface: .copilot, program: Surface.copilot.program,
            arguments: ["--additional-mcp-config", "@" + inputs.sessionFile(mcpConfigFile)], environment: environment,
            files: [GeneratedFile(relativePath: mcpConfigFile, contents: mcp.rendered(pretty: true) + "\n")],
            removed: ["COPILOT_PROVIDER_*", "COPILOT_MODEL"])
    }
}
