/// OpenCode: the whole configuration inline in `OPENCODE_CONFIG_CONTENT` (no file): the `openrouter`
/// provider's options (`apiKey: "{env:OPUB_PROVIDER_KEY}"`, `baseURL`, attribution headers), the model,
/// and `mcp.opub` (`type: local`, `command: [opub, mcp, …]`). The secret is in `OPUB_PROVIDER_KEY`.
public enum OpenCodeLaunch {
    /// The first OpenCode release that substitutes `{env:…}` in `OPENCODE_CONFIG_CONTENT` (earlier ones
    /// parsed the inline config without substitution and sent the literal placeholder as the key).
    public static let minimumVersion = "1.1.64"

    public static let keyVariable = "OPUB_PROVIDER_KEY"

    public static func configuration(_ inputs: LaunchInputs) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("$schema", .string("https://opencode.ai/config.json")),
            (
                "provider",
                .object([
                    (
                        "openrouter",
                        .object([
                            (
                                "options",
                                .object([
                                    ("apiKey", .string("{env:\(keyVariable)}")),
                                    ("baseURL", .string(inputs.baseURL)),
                                    ("headers", JSONValue.headers(inputs.attribution.fields)),
                                ])
                            )
                        ])
                    )
                ])
            ),
        ]
        if let model = inputs.model { members.append(("model", .string("openrouter/\(model)"))) }
        members.append(
            (
                "mcp",
                .object([
                    (
                        "opub",
                        .object([
                            ("type", .string("local")),
                            ("command", .array(inputs.mcpCommand.map { .string($0) })),
                            ("enabled", .bool(true)),
                        ])
                    )
                ])
            ))
        return .object(members)
    }

    public static func plan(_ inputs: LaunchInputs) -> LaunchPlan {
        LaunchPlan(
            surface: .opencode, program: Surface.opencode.program, arguments: [],
            environment: [
                EnvironmentVariable(keyVariable, .secret),
                EnvironmentVariable("OPENCODE_CONFIG_CONTENT", .literal(configuration(inputs).rendered())),
            ],
            files: [])
    }
}
