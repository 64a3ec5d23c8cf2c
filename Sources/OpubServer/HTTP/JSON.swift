import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// JSON responses: sorted keys, no escaped slashes, and `<`, `>`, `&` written as `\u003c`…, so
/// that user-written text (donor attribution) can never form markup even if a page embeds the JSON.
public enum JSON {
    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    public static func data(_ value: some Encodable) -> [UInt8] {
        let bytes = (try? encoder().encode(value)).map(Array.init) ?? Array(#"{"error":"unencodable"}"#.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "<"): out += Array(#"\u003c"#.utf8)
            case UInt8(ascii: ">"): out += Array(#"\u003e"#.utf8)
            case UInt8(ascii: "&"): out += Array(#"\u0026"#.utf8)
            default: out.append(byte)
            }
        }
        return out
    }

    public static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        let bytes = data(value)
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}

/// Plain responses that are not JSON.
enum PlainResponse {
    static func text(_ text: String, contentType: String, status: HTTPResponse.Status = .ok) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    static func redirect(to location: String, status: HTTPResponse.Status = .seeOther) -> Response {
        var headers = HTTPFields()
        headers[.location] = location
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers)
    }

    static func noContent() -> Response {
        Response(status: .noContent)
    }
}

/// An optional that is written as `null` when absent, where the API's schemas list the key as
/// required (synthesized `Encodable` would leave the key out).
@propertyWrapper
struct NullEncoded<Value: Encodable>: Encodable {
    var wrappedValue: Value?

    init(wrappedValue: Value?) { self.wrappedValue = wrappedValue }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let wrappedValue { try container.encode(wrappedValue) } else { try container.encodeNil() }
    }
}
