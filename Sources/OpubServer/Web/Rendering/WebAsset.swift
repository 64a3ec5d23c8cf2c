import Crypto
import HTTPTypes
import Hummingbird
import NIOCore
import OpubCore

/// A static file served under `/assets/`: its bytes, type and a strong ETag (its SHA-256).
struct WebAsset: Sendable {
    let bytes: [UInt8]
    let contentType: String
    let etag: String

    init(bytes: [UInt8], contentType: String) {
        self.bytes = bytes
        self.contentType = contentType
        self.etag = "\"" + Hex.encode(Array(SHA256.hash(data: bytes)).prefix(16)) + "\""
    }

    static func contentType(of file: String) -> String? {
        if file.hasSuffix(".css") { return "text/css; charset=utf-8" }
        if file.hasSuffix(".js") { return "text/javascript; charset=utf-8" }
        if file.hasSuffix(".svg") { return "image/svg+xml" }
        return nil
    }

    /// The file, or `304 Not Modified` when the browser already holds this version. Cached for
    /// `maxAge` seconds (an hour by default) and then revalidated with the ETag, so a deploy reaches
    /// every browser within that time.
    func response(to request: Request, maxAge: Int = 3600) -> Response {
        var headers = HTTPFields()
        headers[.eTag] = etag
        headers[.cacheControl] = "public, max-age=\(maxAge)"
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        if let presented = request.headers[.ifNoneMatch],
            presented.split(separator: ",").contains(where: { String($0).trimmingSpaces() == etag || $0 == "*" })
        {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentType] = contentType
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
