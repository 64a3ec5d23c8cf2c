import OpubCore

/// The per-surface launch table of `cli.md`: the single source of truth for how each agent is pointed
/// at a compute key. `opub run` launches from it; the server's key-creation page prints its setup
/// commands and advanced configs from it.
public enum LaunchTable {
    /// The launch plan for `surface`.
    public static func plan(for surface: Surface, _ inputs: LaunchInputs) -> LaunchPlan {
        switch surface {
        case .claude: return ClaudeLaunch.plan(inputs)
        case .codex: return CodexLaunch.plan(inputs)
        case .copilot: return CopilotLaunch.plan(inputs)
        case .vibe: return VibeLaunch.plan(inputs)
        case .opencode: return OpenCodeLaunch.plan(inputs)
        case .continue: return ContinueLaunch.plan(inputs)
        }
    }

    /// The server the CLI talks to when neither `--server`, `OPUB_SERVER` nor a stored key names one.
    public static let defaultServer = "https://opub.dev"

    /// The command the key-creation page shows for a surface:
    /// `opub setup <surface> --project owner/repo --compute-key-id ck_…`, followed by
    /// `--server <server>` whenever `server` (the public URL of the server printing it) is not the CLI's
    /// default, so that the command works as printed.
    public static func setupCommand(
        for surface: Surface, repository: RepositoryName, keyID: KeyID, server: String? = nil
    ) -> String {
        "opub setup \(surface.rawValue) --project \(repository) --compute-key-id \(keyID)" + serverFlag(server)
    }

    /// ` --server <url>` when `server` is given and is not ``defaultServer``; empty otherwise.
    public static func serverFlag(_ server: String?) -> String {
        guard var trimmed = server else { return "" }
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        guard !trimmed.isEmpty, trimmed != defaultServer else { return "" }
        return " --server \(trimmed)"
    }

    /// The setup command for every surface, keyed by surface name (the server's
    /// `setup_commands` field).
    public static func setupCommands(
        repository: RepositoryName, keyID: KeyID, server: String? = nil
    ) -> [String: String] {
        Dictionary(
            uniqueKeysWithValues: Surface.allCases.map {
                ($0.rawValue, setupCommand(for: $0, repository: repository, keyID: keyID, server: server))
            })
    }

    /// "Advanced configs" for a custom setup without `opub run`: the environment variables a surface
    /// reads, with the secret shown as `secretPlaceholder` (the creation page passes the real secret; other
    /// pages and `opub env` a mask). Generated files are not part of it; their variables are.
    public static func advancedEnvironment(
        for surface: Surface, repository: RepositoryName, keyID: KeyID, providerBaseURL: String, model: String?,
        secretPlaceholder: String, configDirectory: String? = nil
    ) -> [(name: String, value: String)] {
        advancedPlan(
            for: surface, repository: repository, keyID: keyID, providerBaseURL: providerBaseURL, model: model,
            configDirectory: configDirectory
        ).resolvedEnvironment(secret: secretPlaceholder)
    }

    /// The arguments a custom setup passes to the program itself: Codex's provider block as `-c`
    /// overrides (`opub mcp` included), and — when the plan's files were written to `configDirectory`
    /// (what `opub env` does) — the arguments that point at them. Without a directory, only arguments
    /// that stand alone are given (the key page cannot write files).
    public static func advancedArguments(
        for surface: Surface, repository: RepositoryName, keyID: KeyID, providerBaseURL: String, model: String?,
        configDirectory: String? = nil
    ) -> [String] {
        let plan = advancedPlan(
            for: surface, repository: repository, keyID: keyID, providerBaseURL: providerBaseURL, model: model,
            configDirectory: configDirectory)
        return plan.files.isEmpty || configDirectory != nil ? plan.arguments : []
    }

    /// The plan of a custom setup (no session): its files live in `configDirectory` when given.
    public static func advancedPlan(
        for surface: Surface, repository: RepositoryName, keyID: KeyID, providerBaseURL: String, model: String?,
        opubExecutable: String = "opub", configDirectory: String? = nil
    ) -> LaunchPlan {
        plan(
            for: surface,
            LaunchInputs(
                repository: repository, keyID: keyID, sessionID: nil, providerBaseURL: providerBaseURL, model: model,
                opubExecutable: opubExecutable, configDirectory: configDirectory))
    }

    /// The raw OpenRouter attribution headers for custom setups (no session id outside `opub run`).
    public static func rawHeaders(repository: RepositoryName) -> [HeaderField] {
        AttributionHeaders(repository: repository, sessionID: nil).fields
    }
}
