/// Continue's `cn`: `cn --config {session}/continue-config.yaml`, a generated `config.yaml` (schema v1)
/// with an `openrouter` model (`apiBase`, `apiKey` read from `OPUB_PROVIDER_KEY` through Continue's
/// secrets, attribution headers in `requestOptions`) and `mcpServers` for `opub mcp`. `cn` takes a
/// secret from the process environment before a workspace `.env`, so the key cannot be overridden there.
public enum ContinueLaunch {
    public static let configFile = "continue-config.yaml"
    public static let keyVariable = "OPUB_PROVIDER_KEY"

    public static func configuration(_ inputs: LaunchInputs) -> String {
        let q = JSONValue.quoted
        var lines = [
            "name: \(q("opub (\(inputs.repository))"))",
            "version: \(q("1.0.0"))",
            "schema: \(q("v1"))",
        ]
        if let model = inputs.model {
            lines += [
                "models:",
                "  - name: \(q("opub: \(model)"))",
                "    provider: \(q("openrouter"))",
                "    model: \(q(model))",
                "    apiBase: \(q(inputs.baseURL))",
                "    apiKey: \(q("${{ secrets.\(keyVariable) }}"))",
                "    roles: [\(q("chat")), \(q("edit")), \(q("apply"))]",
                "    requestOptions:",
                "      headers:",
            ]
            lines += inputs.attribution.fields.map { "        \(q($0.name)): \(q($0.value))" }
        }
        lines += [
            "mcpServers:",
            "  - name: \(q("opub"))",
            "    command: \(q(inputs.mcpCommand[0]))",
            "    args: [\(inputs.mcpCommand.dropFirst().map(q).joined(separator: ", "))]",
        ]
        return lines.joined(separator: "\n") + "\n"
    }

    public static func plan(_ inputs: LaunchInputs) -> LaunchPlan {
        LaunchPlan(
            surface: .continue, program: Surface.continue.program,
            arguments: ["--config", inputs.sessionFile(configFile)],
            environment: [EnvironmentVariable(keyVariable, .secret)],
            files: [GeneratedFile(relativePath: configFile, contents: configuration(inputs))])
    }
}
