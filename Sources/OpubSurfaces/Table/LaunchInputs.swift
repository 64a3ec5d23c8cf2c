import OpubCore

/// Everything a surface's launch plan depends on. No secret: the plan refers to the secret with
/// ``EnvironmentValue/secret`` and the caller fills it in only where the plan says.
public struct LaunchInputs: Sendable, Hashable {
    /// The project the key belongs to.
    public var repository: RepositoryName
    public var keyID: KeyID
    /// The linked session, or nil for a configuration shown outside `opub run` (the key page's
    /// advanced configs, `opub env`).
    public var sessionID: SessionID?
    /// The OpenRouter API root, `…/api/v1`.
    public var providerBaseURL: String
    /// The model to use: `--model`, else the server's recommendation for the surface; nil leaves the
    /// agent's own default.
    public var model: String?
    /// The absolute path of the `opub` executable, registered as the agent's MCP server.
    public var opubExecutable: String
    /// The per-session directory generated files live in; nil outside `opub run`.
    public var sessionDirectory: String?
    /// Outside a session, where `opub env` writes the generated files for a custom setup (an
    /// absolute path that outlives any session); ignored when ``sessionDirectory`` is set.
    public var configDirectory: String?

    public init(
        repository: RepositoryName, keyID: KeyID, sessionID: SessionID?, providerBaseURL: String, model: String?,
        opubExecutable: String = "opub", sessionDirectory: String? = nil, configDirectory: String? = nil
    ) {
        self.configDirectory = configDirectory
        self.repository = repository
        self.keyID = keyID
        self.sessionID = sessionID
        self.providerBaseURL = providerBaseURL
        self.model = model
        self.opubExecutable = opubExecutable
        self.sessionDirectory = sessionDirectory
    }

    /// `{base}` without trailing slashes.
    public var baseURL: String {
        var base = providerBaseURL
        while base.hasSuffix("/") { base.removeLast() }
        return base
    }

    /// `{anthropic}`: the base URL without its final `/v1`, which is what Claude Code expects
    /// (it appends `/v1/messages` itself).
    public var anthropicBaseURL: String {
        baseURL.hasSuffix("/v1") ? String(baseURL.dropLast(3)) : baseURL
    }

    public var attribution: AttributionHeaders {
        AttributionHeaders(repository: repository, sessionID: sessionID)
    }

    /// The command line of the `opub mcp` server every surface registers, pointed at the session's
    /// directory so that it finds the session whatever environment the agent gives its MCP servers.
    public var mcpCommand: [String] {
        var command = [opubExecutable, "mcp"]
        if let sessionDirectory { command += ["--session-dir", sessionDirectory] }
        return command
    }

    /// A file in the session directory (or the bare name outside a session).
    public func sessionFile(_ name: String) -> String {
        guard let directory = sessionDirectory ?? configDirectory else { return name }
        return directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }
}
