import OpubCore

/// Where random bytes come from (session ids, OAuth state, PKCE verifiers, ids); injected so that
/// tests can make them predictable.
public protocol RandomSource: Sendable {
    func bytes(_ count: Int) -> [UInt8]
}

/// The operating system's cryptographically secure generator.
public struct SystemRandomSource: RandomSource {
    public init() {}

    public func bytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }
}

/// A `RandomNumberGenerator` over a ``RandomSource``, for APIs such as `PrefixedID.random(using:)`.
public struct RandomSourceGenerator: RandomNumberGenerator {
    let source: any RandomSource

    public init(_ source: any RandomSource) { self.source = source }

    public mutating func next() -> UInt64 {
        source.bytes(8).reduce(0) { $0 << 8 | UInt64($1) }
    }
}

extension RandomSource {
    /// `count` random bytes as unpadded base64url: a token safe in URLs and cookies.
    public func token(bytes count: Int = 32) -> String {
        Base64URL.encode(bytes(count))
    }
}
