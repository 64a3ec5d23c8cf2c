/// How one surface is started against a compute key: the launch table of `cli.md` for one row, with
/// every value filled in except the secret.
public struct LaunchPlan: Sendable, Hashable {
    public var surface: Surface
    /// The program, looked up on `PATH`.
    public var program: String
    /// Arguments opub adds before the user's own (`opub run <surface> -- args…`).
    public var arguments: [String]
    /// Variables set in the agent's environment, in a stable order.
    public var environment: [EnvironmentVariable]
    /// Files written into the session directory (mode 0600) before the agent starts.
    public var files: [GeneratedFile]
    /// Inherited variables removed from the agent's environment because they would reroute it away
    /// from the key (`CLAUDE_CODE_USE_BEDROCK`, `OPENAI_BASE_URL`, …); a name ending in `*` is a prefix.
    /// Variables the plan sets itself are overridden anyway.
    public var removed: [String]

    public init(
        surface: Surface, program: String, arguments: [String], environment: [EnvironmentVariable],
        files: [GeneratedFile], removed: [String] = []
    ) {
        self.surface = surface
        self.program = program
        self.arguments = arguments
        self.environment = environment
        self.files = files
        self.removed = removed
    }

    /// True when `name` is one of ``removed`` (or starts with one of its `*` prefixes).
    public func removes(_ name: String) -> Bool {
        removed.contains { pattern in
            pattern.hasSuffix("*") ? name.hasPrefix(pattern.dropLast()) : name == pattern
        }
    }

    /// `base` without the variables this plan removes, with the plan's variables set.
    public func applied(to base: [String: String], secret: String) -> [String: String] {
        var environment = base.filter { !removes($0.key) }
        for (name, value) in resolvedEnvironment(secret: secret) { environment[name] = value }
        return environment
    }

    /// The environment with the secret filled in: what the child gets, and nothing else carries it.
    public func resolvedEnvironment(secret: String) -> [(name: String, value: String)] {
        environment.map { variable in (variable.name, variable.value.resolved(secret: secret)) }
    }

    /// The names of the variables that carry the secret.
    public var secretVariableNames: [String] {
        environment.filter { $0.value == .secret }.map(\.name)
    }
}

/// One environment variable of a launch plan.
public struct EnvironmentVariable: Sendable, Hashable {
    public var name: String
    public var value: EnvironmentValue

    public init(_ name: String, _ value: EnvironmentValue) {
        self.name = name
        self.value = value
    }
}

/// A variable's value: plain text, or the provider secret (filled in only in the child's environment).
public enum EnvironmentValue: Sendable, Hashable {
    case literal(String)
    case secret

    public func resolved(secret: String) -> String {
        switch self {
        case .literal(let text): return text
        case .secret: return secret
        }
    }

    /// The value as shown to people: the secret replaced by `placeholder`.
    public func shown(placeholder: String) -> String {
        switch self {
        case .literal(let text): return text
        case .secret: return placeholder
        }
    }
}

/// A file opub generates for the agent. Its contents never include the secret.
public struct GeneratedFile: Sendable, Hashable {
    /// A path relative to the session directory.
    public var relativePath: String
    public var contents: String
    /// How the CLI finishes the file before writing it.
    public var treatment: Treatment

    public enum Treatment: Sendable, Hashable {
        /// Written as is.
        case asIs
        /// A Vibe `config.toml` fragment merged into the user's own Vibe config (`$VIBE_HOME`, default
        /// `~/.vibe`): opub's provider, model and MCP server are added, the model is made active, and
        /// the user's other settings stay.
        case mergedIntoUserVibeConfig
    }

    public init(relativePath: String, contents: String, treatment: Treatment = .asIs) {
        self.relativePath = relativePath
        self.contents = contents
        self.treatment = treatment
    }
}
