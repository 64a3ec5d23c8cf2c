import Foundation

extension JSONValue {
    /// Parses JSON text. Numbers keep their text as `Decimal` reads it (`1.50` is `1.5`), and object
    /// members are sorted by name. Throws on anything that is not JSON.
    public static func parse(_ bytes: [UInt8]) throws -> JSONValue {
        try JSONDecoder().decode(DecimalReading.self, from: Data(bytes)).value
    }
}

/// `Codable` as the server reads request bodies: numbers as `Double` (any number `Double` reads, kept
/// as ``JSONValue/double(_:)`` writes it), object members sorted by name. Numbers are encoded as
/// `Double` too, and objects as keyed containers in member order.
extension JSONValue: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .double(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            let members = try container.decode([String: JSONValue].self)
            self = .object(members.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
        }
    }

    public func encode(to encoder: any Encoder) throws {
        if case .object(let members) = self {
            var container = encoder.container(keyedBy: MemberKey.self)
            for (name, value) in members { try container.encode(value, forKey: MemberKey(stringValue: name)) }
            return
        }
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let text): try container.encode(Double(text) ?? .nan)
        case .string(let value): try container.encode(value)
        case .array(let items): try container.encode(items)
        case .object: break
        }
    }
}

/// An object member's name as a coding key.
private struct MemberKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// The reading of ``JSONValue/parse(_:)``: objects, then arrays, then `null`, booleans, numbers (as
/// `Decimal`) and strings.
private struct DecimalReading: Decodable {
    let value: JSONValue

    init(from decoder: any Decoder) throws {
        if let container = try? decoder.container(keyedBy: MemberKey.self) {
            var members: [(String, JSONValue)] = []
            for key in container.allKeys.sorted(by: { $0.stringValue < $1.stringValue }) {
                members.append((key.stringValue, try container.decode(DecimalReading.self, forKey: key).value))
            }
            value = .object(members)
            return
        }
        if var container = try? decoder.unkeyedContainer() {
            var items: [JSONValue] = []
            while !container.isAtEnd { items.append(try container.decode(DecimalReading.self).value) }
            value = .array(items)
            return
        }
        let single = try decoder.singleValueContainer()
        if single.decodeNil() {
            value = .null
        } else if let flag = try? single.decode(Bool.self) {
            value = .bool(flag)
        } else if let number = try? single.decode(Decimal.self) {
            value = .number(number.description)
        } else {
            value = .string(try single.decode(String.self))
        }
    }
}
