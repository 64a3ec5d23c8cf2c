/// One model of `GET /models`, as far as opub needs it: whether the provider serves an id.
public struct ListedModel: Sendable, Hashable, Decodable {
    public var id: String
    /// The dated slug (`anthropic/claude-4.6-sonnet-20260217`); absent on some gateways.
    public var canonicalSlug: String?

    enum CodingKeys: String, CodingKey {
        case id
        case canonicalSlug = "canonical_slug"
    }

    public init(id: String, canonicalSlug: String? = nil) {
        self.id = id
        self.canonicalSlug = canonicalSlug
    }
}
