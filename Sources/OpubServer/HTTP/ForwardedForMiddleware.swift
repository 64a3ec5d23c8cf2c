import HTTPTypes
import Hummingbird

/// Behind trusted reverse proxies (`OPUB_TRUST_FORWARDED_FOR=true`), the client is the address
/// `OPUB_TRUSTED_PROXIES` hops from the right of `X-Forwarded-For` (default 1: the entry the proxy in
/// front of opub appended). Entries further left were sent by the client and can say anything, so the
/// first entry is never trusted; without the setting the header is ignored altogether.
struct ForwardedForMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    static let header = HTTPField.Name("X-Forwarded-For")!
    /// How many proxies of the operator's append to the header (1 = one nginx or load balancer).
    let trustedHops: Int

    init(trustedHops: Int = 1) {
        self.trustedHops = max(1, trustedHops)
    }

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var context = context
        if let address = Self.client(request.headers[values: Self.header], trustedHops: trustedHops) {
            context.peerAddress = address
        }
        return try await next(request, context)
    }

    /// The client address in `values` (every `X-Forwarded-For` line, in order): the entry `trustedHops`
    /// from the right, or the leftmost one when the chain is shorter (each of the operator's proxies
    /// appended one, so the leftmost is still one of theirs). Nil for an empty or oversized entry.
    static func client(_ values: [String], trustedHops: Int) -> String? {
        let entries = values.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }
        guard !entries.isEmpty else { return nil }
        let address = entries[max(0, entries.count - trustedHops)]
        guard !address.isEmpty, address.count <= 64 else { return nil }
        return address
    }
}
