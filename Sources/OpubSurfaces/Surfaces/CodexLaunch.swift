/// OpenAI Codex CLI: a model provider named `opub` given entirely through `-c` overrides (the user's
/// `~/.codex/config.toml` is left untouched): `base_url={base}`, `env_key="OPENROUTER_API_KEY"`,
/// `wire_api="responses"` (the only wire API current Codex accepts) and the attribution headers as
/// `http_headers`, selected with `model_provider`. MCP: `-c mcp_servers.opub=…`.
public enum CodexLaunch {
    public static let providerID = "opub"
    public static let keyVariable = "OPENROUTER_API_KEY"

    public static func plan(_ inputs: LaunchInputs) -> LaunchPlan {
        let provider =
            "{ name = \(TOMLText.string("opub (OpenRouter)")), base_url = \(TOMLText.string(inputs.baseURL)), "
            + "env_key = \(TOMLText.string(keyVariable)), wire_api = \(TOMLText.string("responses")), "
            + "http_headers = \(TOMLText.inlineTable(inputs.attribution.fields)) }"
        var overrides = [
            "model_provider=\(TOMLText.string(providerID))",
            "model_providers.\(providerID)=\(provider)",
        ]
        if let model = inputs.model { overrides.append("model=\(TOMLText.string(model))") }
        let command = inputs.mcpCommand
        overrides.append(
            "mcp_servers.opub={ command = \(TOMLText.string(command[0])), "
                + "args = \(TOMLText.array(Array(command.dropFirst()))) }")
        return LaunchPlan(
            surface: .codex, program: Surface.codex.program, arguments: overrides.flatMap { ["-c", $0] },
            environment: [EnvironmentVariable(keyVariable, .secret)], files: [],
            // Read by Codex's built-in OpenAI provider; unset so a stray value cannot matter.
            removed: ["OPENAI_BASE_URL"])
    }
}
