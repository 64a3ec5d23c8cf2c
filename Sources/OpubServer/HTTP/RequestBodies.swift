import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import OpubSurfaces

/// Request bodies: at most 64 KiB, JSON read strictly, forms read as `application/x-www-form-urlencoded`.
public enum RequestBodies {
    /// The largest body any route accepts.
    public static let maximumBytes = 64 * 1024

    /// The whole body, or 413 `body_too_large` past `limit` (``maximumBytes`` unless a route allows more).
    public static func collect(_ request: Request, limit: Int = maximumBytes) async throws -> [UInt8] {
        var request = request
        do {
            let buffer = try await request.collectBody(upTo: limit)
            return Array(buffer.readableBytesView)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw tooLarge(limit: limit)
        }
    }

    static func tooLarge(limit: Int = maximumBytes) -> APIError {
        let size = limit >= 1024 * 1024 ? "\(limit / (1024 * 1024)) MiB" : "\(limit / 1024) KiB"
        return APIError(
            .contentTooLarge, code: "body_too_large",
            message: "The request body is larger than \(size); send less.",
            details: ["limit_bytes": .int(limit)])
    }

    /// True when the request says its body is JSON.
    static func isJSON(_ request: Request) -> Bool {
        mediaType(request) == "application/json"
    }

    static func isForm(_ request: Request) -> Bool {
        mediaType(request) == "application/x-www-form-urlencoded"
    }

    static func mediaType(_ request: Request) -> String? {
        request.headers[.contentType]?.split(separator: ";").first.map {
            $0.trimmingCharacters(in: .whitespaces).lowercased()
        }
    }

    /// Reads a JSON object body whose top-level fields must all be in `allowed`.
    public static func jsonObject(_ request: Request, allowed: Set<String>) async throws -> JSONObjectReader {
        guard isJSON(request) else {
            throw APIError(
                .unsupportedMediaType, code: "unsupported_media_type",
                message: "Send the body as JSON with Content-Type: application/json.")
        }
        return try JSONObjectReader.parse(try await collect(request), allowed: allowed)
    }

    /// Reads a form body (`a=1&b=two`), or a JSON object of strings.
    public static func fields(_ request: Request, allowed: Set<String>) async throws -> [String: String] {
        if isJSON(request) {
            let reader = try JSONObjectReader.parse(try await collect(request), allowed: allowed)
            var out: [String: String] = [:]
            for key in reader.fields.keys { out[key] = try reader.optionalString(key) }
            return out
        }
        guard isForm(request) else {
            throw APIError(
                .unsupportedMediaType, code: "unsupported_media_type",
                message: "Send the body as a form (application/x-www-form-urlencoded) or as JSON.")
        }
        let fields = try FormFields.parse(try await collect(request))
        if let unknown = fields.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw APIError.badRequest(
                "unknown_field",
                "The field \(unknown) is not accepted here; allowed: \(allowed.sorted().joined(separator: ", ")).",
                details: ["field": .string(unknown)])
        }
        return fields
    }
}

/// A JSON object from a request body, read field by field with messages that name the field.
public struct JSONObjectReader: Sendable {
    public let fields: [String: JSONValue]
    /// How fields are named in messages: `""` at the top, `"attribution."` inside `attribution`.
    let prefix: String

    static func parse(_ bytes: [UInt8], allowed: Set<String>) throws(APIError) -> JSONObjectReader {
        let value: JSONValue
        do {
            value = try JSONDecoder().decode(JSONValue.self, from: Data(bytes))
        } catch {
            throw .badRequest("malformed_json", "The body is not valid JSON; send one JSON object.")
        }
        guard let fields = value.dictionaryValue else {
            throw .badRequest("malformed_json", "The body must be a JSON object, not \(value.typeName).")
        }
        return try JSONObjectReader(fields: fields, prefix: "", allowed: allowed)
    }

    init(fields: [String: JSONValue], prefix: String, allowed: Set<String>) throws(APIError) {
        if let unknown = fields.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw .badRequest(
                "unknown_field",
                "The field \(prefix)\(unknown) is not accepted here; allowed: "
                    + "\(allowed.sorted().map { prefix + $0 }.joined(separator: ", ")).",
                details: ["field": .string(prefix + unknown)])
        }
        self.fields = fields
        self.prefix = prefix
    }

    func wrongType(_ key: String, expected: String, got: JSONValue) -> APIError {
        .badRequest(
            "wrong_type", "\(prefix)\(key) must be \(expected), not \(got.typeName).",
            details: ["field": .string(prefix + key)])
    }

    public func requiredString(_ key: String, example: String) throws(APIError) -> String {
        guard let value = try optionalString(key) else {
            throw .badRequest(
                "missing_field", "\(prefix)\(key) is required, for example \"\(example)\".",
                details: ["field": .string(prefix + key)])
        }
        return value
    }

    public func optionalString(_ key: String) throws(APIError) -> String? {
        switch fields[key] {
        case nil, .null?: return nil
        case .string(let text)?: return text
        case let other?: throw wrongType(key, expected: "a string", got: other)
        }
    }

    public func optionalBool(_ key: String) throws(APIError) -> Bool? {
        switch fields[key] {
        case nil, .null?: return nil
        case .bool(let value)?: return value
        case let other?: throw wrongType(key, expected: "true or false", got: other)
        }
    }

    /// A whole number within `range`, or nil when absent.
    public func optionalInt(_ key: String, range: ClosedRange<Int>) throws(APIError) -> Int? {
        switch fields[key] {
        case nil, .null?: return nil
        case .number(let text)?:
            let value = Double(text) ?? .nan
            guard value.rounded() == value, value >= Double(range.lowerBound), value <= Double(range.upperBound) else {
                throw .badRequest(
                    "invalid_number",
                    "\(prefix)\(key) must be a whole number from \(range.lowerBound) to \(range.upperBound).",
                    details: ["field": .string(prefix + key)])
            }
            return Int(value)
        case let other?: throw wrongType(key, expected: "a whole number", got: other)
        }
    }

    public func optionalObject(_ key: String, allowed: Set<String>) throws(APIError) -> JSONObjectReader? {
        switch fields[key] {
        case nil, .null?: return nil
        case let value?:
            guard let object = value.dictionaryValue else { throw wrongType(key, expected: "an object", got: value) }
            return try JSONObjectReader(fields: object, prefix: prefix + key + ".", allowed: allowed)
        }
    }
}

/// `application/x-www-form-urlencoded` parsing (`+` is a space; bad percent-escapes are refused).
enum FormFields {
    static func parse(_ bytes: [UInt8]) throws(APIError) -> [String: String] {
        var out: [String: String] = [:]
        let text = String(decoding: bytes, as: UTF8.self)
        for pair in text.split(separator: "&") where !pair.isEmpty {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let key = decode(parts[0]), let value = decode(parts.count > 1 ? parts[1] : "") else {
                throw .badRequest("malformed_form", "The form body has a malformed percent-escape.")
            }
            out[key] = value
        }
        return out
    }

    static func decode(_ text: Substring) -> String? {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }
}
