import Crypto
import Hummingbird
import OpubCore
import OpubStore

/// Server-side browser sessions (`server.md`, identity).
///
/// - The cookie `opub_session` carries a random 256-bit id (base64url); the database stores only
///   its SHA-256, so a copy of the database cannot be used to sign in.
/// - A session ends after 7 days without a request, or when its user signs out.
/// - The user's GitHub token lives only inside the session row, sealed with AES-GCM under a key
///   derived from `OPUB_SECRET_KEY` (and bound to the row).
/// - Each session has a CSRF token, HMAC-SHA256 of the id hash under a derived key: never stored,
///   recomputed when checked.
public struct SessionService: Sendable {
    public static let cookieName = "opub_session"
    /// Idle expiry: 7 days.
    public static let idleTimeoutSeconds: Int64 = 7 * 24 * 3600
    /// Activity is written at most once a minute per session.
    static let touchIntervalSeconds: Int64 = 60

    let store: Store
    let secrets: ServerSecrets
    let clock: any TimeSource
    let random: any RandomSource
    let secureCookies: Bool

    public init(
        store: Store, secrets: ServerSecrets, clock: any TimeSource, random: any RandomSource, secureCookies: Bool
    ) {
        self.store = store
        self.secrets = secrets
        self.clock = clock
        self.random = random
        self.secureCookies = secureCookies
    }

    /// Starts a session for `user`; returns the cookie to set and the signed-in identity.
    public func start(for user: UserRecord, githubToken: String?) async throws -> (cookie: Cookie, identity: SignedIn) {
        let id = random.token(bytes: 32)
        let idHash = TokenHash.sha256Hex(id)
        let sealed = try githubToken.map { try SecretBox.seal($0, key: secrets.tokenSealingKey, context: idHash) }
        try await store.sessions.create(idHash: idHash, user: user.id, sealedGitHubToken: sealed)
        let identity = SignedIn(
            user: user, sessionIDHash: idHash, sealedGitHubToken: sealed, csrfToken: csrfToken(forHash: idHash))
        return (cookie(value: id, maxAge: Int(Self.idleTimeoutSeconds)), identity)
    }

    /// The identity behind a cookie value, or nil when there is no such live session. An expired
    /// session is deleted; a live one is marked active.
    public func resolve(cookieValue: String) async throws -> SignedIn? {
        guard cookieValue.count == 43, Base64URL.decode(cookieValue)?.count == 32 else { return nil }
        let idHash = TokenHash.sha256Hex(cookieValue)
        guard let record = try await store.sessions.find(idHash: idHash) else { return nil }
        let now = clock.now()
        if record.lastSeenAt.adding(seconds: Self.idleTimeoutSeconds) < now {
            try await store.sessions.delete(idHash: idHash)
            return nil
        }
        guard let user = try await store.users.find(record.userID), !user.isSuspended else { return nil }
        if record.lastSeenAt.adding(seconds: Self.touchIntervalSeconds) < now {
            try await store.sessions.touch(idHash: idHash, at: now)
        }
        return SignedIn(
            user: user, sessionIDHash: idHash, sealedGitHubToken: record.sealedGitHubToken,
            csrfToken: csrfToken(forHash: idHash))
    }

    /// Signs out: the session row is deleted.
    public func end(_ identity: SignedIn) async throws {
        try await store.sessions.delete(idHash: identity.sessionIDHash)
    }

    /// The GitHub token of a session, opened; nil for sandbox sessions.
    public func githubToken(of identity: SignedIn) throws -> String? {
        try identity.sealedGitHubToken.map {
            try SecretBox.open($0, key: secrets.tokenSealingKey, context: identity.sessionIDHash)
        }
    }

    /// The GitHub token a stored session holds, for work done on the user's behalf outside a request
    /// (the background re-verification of maintainers).
    func githubToken(of session: WebSessionRecord) throws -> String? {
        try session.sealedGitHubToken.map {
            try SecretBox.open($0, key: secrets.tokenSealingKey, context: session.idHash)
        }
    }

    func csrfToken(forHash idHash: String) -> String {
        Base64URL.encode(HMAC<SHA256>.authenticationCode(for: Array(idHash.utf8), using: secrets.csrfKey))
    }

    /// Constant-time comparison of a presented CSRF token with the session's.
    func isValidCSRF(_ presented: String, for identity: SignedIn) -> Bool {
        guard let bytes = Base64URL.decode(presented), bytes.count == 32 else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(
            bytes, authenticating: Array(identity.sessionIDHash.utf8), using: secrets.csrfKey)
    }

    func cookie(value: String, maxAge: Int) -> Cookie {
        Cookie(
            name: Self.cookieName, value: value, maxAge: maxAge, path: "/", secure: secureCookies, httpOnly: true,
            sameSite: .lax)
    }

    /// A cookie that removes the session cookie from the browser.
    public func clearingCookie() -> Cookie {
        cookie(value: "", maxAge: 0)
    }
}
