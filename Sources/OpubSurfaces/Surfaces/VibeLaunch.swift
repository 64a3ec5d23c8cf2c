/// Mistral Vibe: `VIBE_HOME` points at `{session}/vibe-home`, whose `config.toml` is the user's own
/// Vibe config merged with opub's `[[providers]]` entry (`api_base={base}`,
/// `api_key_env_var="OPENROUTER_API_KEY"`, `api_style="openai"`, `backend="generic"`, the attribution
/// headers as `extra_headers`), a `[[models]]` entry made active, and `[[mcp_servers]]` for `opub mcp`.
/// The CLI carries over the user's trusted folders and links the rest of their Vibe home.
public enum VibeLaunch {
    public static let homeDirectory = "vibe-home"
    public static let configFile = "vibe-home/config.toml"
    public static let providerName = "opub-openrouter"
    public static let modelAlias = "opub"
    public static let keyVariable = "OPENROUTER_API_KEY"

    public static func plan(_ inputs: LaunchInputs) -> LaunchPlan {
        var lines: [String] = []
        if inputs.model != nil { lines.append("active_model = \(TOMLText.string(modelAlias))") }
        lines += [
            "",
            "[[providers]]",
            "name = \(TOMLText.string(providerName))",
            "api_base = \(TOMLText.string(inputs.baseURL))",
            "api_key_env_var = \(TOMLText.string(keyVariable))",
            "api_style = \(TOMLText.string("openai"))",
            "backend = \(TOMLText.string("generic"))",
            "extra_headers = \(TOMLText.inlineTable(inputs.attribution.fields))",
        ]
        if let model = inputs.model {
            lines += [
                "",
                "[[models]]",
                "name = \(TOMLText.string(model))",
                "provider = \(TOMLText.string(providerName))",
                "alias = \(TOMLText.string(modelAlias))",
            ]
        }
        lines += [
            "",
            "[[mcp_servers]]",
            "name = \(TOMLText.string("opub"))",
            "transport = \(TOMLText.string("stdio"))",
            "command = \(TOMLText.string(inputs.mcpCommand[0]))",
            "args = \(TOMLText.array(Array(inputs.mcpCommand.dropFirst())))",
        ]
        return LaunchPlan(
            surface: .vibe, program: Surface.vibe.program, arguments: [],
            environment: [
                EnvironmentVariable(keyVariable, .secret),
                EnvironmentVariable("VIBE_HOME", .literal(inputs.sessionFile(homeDirectory))),
            ],
            files: [
                GeneratedFile(
                    relativePath: configFile, contents: lines.joined(separator: "\n") + "\n",
                    treatment: .mergedIntoUserVibeConfig)
            ])
    }
}
