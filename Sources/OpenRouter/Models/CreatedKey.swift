/// The answer to `POST /keys`: the key and its secret, which the provider shows only this once.
///
/// `description` masks the secret, so printing or logging this value never leaks it.
public struct CreatedKey: Sendable, Decodable, CustomStringConvertible {
    public var key: ProviderKey
    /// The full `sk-or-v1-…` secret. Hand it to the person who asked for it; never store or log it.
    public var secret: String

    enum CodingKeys: String, CodingKey {
        case key = "data"
        case secret = "key"
    }

    public var description: String { "CreatedKey(\(key.name), \(KeyFingerprint.label(ofSecret: secret)))" }
}
