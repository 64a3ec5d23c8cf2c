/// A supported coding agent (`README.md`'s glossary): the name a maintainer types after `opub setup` and
/// `opub run`.
public enum Surface: String, CaseIterable, Sendable, Hashable, Codable, CustomStringConvertible {
    case claude
    case codex
    case copilot
    case vibe
    case opencode
    case `continue`

    /// The program `opub run` starts, looked up on `PATH`.
    public var program: String {
        switch self {
        case .claude: return "claude"
        case .codex: return "codex"
        case .copilot: return "copilot"
        case .vibe: return "vibe"
        case .opencode: return "opencode"
        case .continue: return "cn"
        }
    }

    /// The product name people know.
    public var displayName: String {
        switch self {
        case .claude: return "Claude Code"
        case .codex: return "OpenAI Codex CLI"
        case .copilot: return "GitHub Copilot CLI"
        case .vibe: return "Mistral Vibe"
        case .opencode: return "OpenCode"
        case .continue: return "Continue CLI"
        }
    }

    /// How to install the program, for `setup` and `doctor` when it is missing.
    public var installHint: String {
        switch self {
        case .claude: return "npm install -g @anthropic-ai/claude-code"
        case .codex: return "npm install -g @openai/codex"
        case .copilot: return "npm install -g @github/copilot"
        case .vibe: return "pipx install mistral-vibe (or: uv tool install mistral-vibe)"
        case .opencode: return "npm install -g opencode-ai"
        case .continue: return "npm install -g @continuedev/cli"
        }
    }

    /// Whether the surface can send custom HTTP headers to the provider, so that attribution headers
    /// reach OpenRouter.
    public var sendsHeaders: Bool { self != .copilot }

    public var description: String { rawValue }
}
