import Hummingbird
import NIOCore
import OpubStore

/// The request context of every opub route: the caller's address (for per-IP rate limits) and,
/// once ``SessionMiddleware`` has run, who is signed in.
public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The peer's IP address; nil in router tests.
    public var peerAddress: String?
    /// The signed-in user, if the request carried a live session cookie.
    public var identity: SignedIn?
    /// Set when the request's CSRF token matched its session's (state-changing requests only).
    public var csrfVerified = false

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.peerAddress = source.channel.remoteAddress?.ipAddress
    }

    /// Bodies are read with ``RequestBodies``, which enforces 64 KiB; Hummingbird's own decoders obey this too.
    public var maxUploadSize: Int { RequestBodies.maximumBytes }

    /// The signed-in user, or 401 `sign_in_required`.
    public func requireIdentity() throws -> SignedIn {
        guard let identity else { throw APIError.signInRequired() }
        return identity
    }
}

/// A signed-in user and their session.
public struct SignedIn: Sendable {
    public let user: UserRecord
    /// SHA-256 of the session id (what the database stores).
    public let sessionIDHash: String
    /// The session's GitHub token, still sealed; ``SessionService/githubToken(of:)`` opens it.
    let sealedGitHubToken: String?
    /// The CSRF token a state-changing request of this session must carry.
    public let csrfToken: String
}
