import Synchronization

/// The URL people and Stripe reach this server at: `OPUB_BASE_URL` when set, otherwise (sandbox)
/// the address the server is listening on, known once it has bound its port.
public final class PublicURL: Sendable {
    private let configured: String?
    private let bound = Mutex<String?>(nil)

    public init(configured: String?) {
        self.configured = configured
    }

    /// Records the listening address (`http://127.0.0.1:54321`).
    public func setListening(_ url: String) {
        bound.withLock { $0 = url }
    }

    /// True once the base URL is real: configured, or the server has bound its port.
    public var isKnown: Bool { configured != nil || bound.withLock { $0 } != nil }

    /// The base URL without a trailing slash.
    public var base: String {
        if let configured { return configured }
        return bound.withLock { $0 } ?? "http://localhost"
    }

    /// `base` + `path` (which starts with `/`).
    public func url(_ path: String) -> String { base + path }
}
