import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// A small helper over AsyncHTTPClient for the GitHub and Stripe clients: one request, a timeout,
/// the body collected up to 1 MiB.
struct OutboundHTTP: Sendable {
    let client: HTTPClient
    let timeout: TimeAmount

    init(client: HTTPClient, timeout: TimeAmount = .seconds(15)) {
        self.client = client
        self.timeout = timeout
    }

    struct Reply: Sendable {
        let status: Int
        let headers: HTTPHeaders
        let body: [UInt8]
    }

    func send(
        _ method: HTTPMethod, _ url: String, headers: [(String, String)], body: [UInt8]? = nil
    ) async throws -> Reply {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await client.execute(request, timeout: timeout)
        let buffer = try await response.body.collect(upTo: 1 << 20)
        return Reply(
            status: Int(response.status.code), headers: response.headers, body: Array(buffer.readableBytesView))
    }
}

/// `application/x-www-form-urlencoded` encoding, as GitHub's token endpoint and Stripe's API take it.
enum FormEncoding {
    static let unreserved = CharacterSet(
        charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")

    static func encode(_ pairs: [(String, String)]) -> String {
        pairs.map { "\(escape($0.0))=\(escape($0.1))" }.joined(separator: "&")
    }

    static func escape(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }
}
