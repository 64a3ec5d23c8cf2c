import OpubCore

/// The headers that tell OpenRouter (and so the project's public spend page) which project and which
/// linked session a request belongs to: `HTTP-Referer: https://opub.dev/github/{owner}/{repo}`,
/// `X-OpenRouter-Title: opub` with the legacy `X-Title: opub` (OpenRouter reads either; older
/// deployments only the legacy one), `X-OpenRouter-Categories: cli-agent` (the app's marketplace
/// category), and `x-session-id: {ls}` when there is a session.
public struct AttributionHeaders: Sendable, Hashable {
    public var repository: RepositoryName
    public var sessionID: SessionID?

    public init(repository: RepositoryName, sessionID: SessionID?) {
        self.repository = repository
        self.sessionID = sessionID
    }

    /// The project's public page, which OpenRouter shows as the app that made the request.
    public var referer: String { "https://opub.dev/github/\(repository.owner)/\(repository.repo)" }

    /// The headers in the order they are sent.
    public var fields: [HeaderField] {
        var fields = [
            HeaderField(name: "HTTP-Referer", value: referer),
            HeaderField(name: "X-OpenRouter-Title", value: "opub"),
            HeaderField(name: "X-Title", value: "opub"),
            HeaderField(name: "X-OpenRouter-Categories", value: "cli-agent"),
        ]
        if let sessionID { fields.append(HeaderField(name: "x-session-id", value: sessionID.rawValue)) }
        return fields
    }
}

/// One HTTP header.
public struct HeaderField: Sendable, Hashable, Codable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }

    /// `Name: value`, as in raw HTTP and in `ANTHROPIC_CUSTOM_HEADERS`.
    public var line: String { "\(name): \(value)" }
}
