/// A minimal `POST /chat/completions` body: enough for opub's tests, demos and benchmarks to spend
/// through a key the way an agent would.
public struct ChatCompletionRequest: Sendable, Hashable, Encodable {
    /// One chat message.
    public struct Message: Sendable, Hashable, Encodable {
        public var role: String
        public var content: String

        public init(role: String, content: String) {
            self.role = role
            self.content = content
        }
    }

    public var model: String
    public var messages: [Message]
    public var maxTokens: Int?
    public var user: String?
    public var sessionID: String?

    public init(
        model: String, messages: [Message], maxTokens: Int? = nil, user: String? = nil, sessionID: String? = nil
    ) {
        self.model = model
        self.messages = messages
        self.maxTokens = maxTokens
        self.user = user
        self.sessionID = sessionID
    }

    enum CodingKeys: String, CodingKey {
        case model, messages, user
        case maxTokens = "max_tokens"
        case sessionID = "session_id"
    }
}
