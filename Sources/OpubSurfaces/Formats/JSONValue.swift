/// A JSON document, built in code or read from text, and written the same byte for byte every time.
///
/// Objects keep their members in order, so generated configuration files are stable byte for byte and
/// the simulator's answers read like the provider's. Numbers keep their decimal text, so amounts are
/// written exactly (`0.0001851`, never `0.00018509999999999998`).
///
/// Written by ``rendered(pretty:escaping:)``; read by ``parse(_:)`` (numbers as `Decimal` reads them)
/// or through `Codable` (numbers as `Double`, as the server reads request bodies and Stripe's events).
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    /// The number's decimal text, written as it is.
    case number(String)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

    public static func int(_ value: Int) -> JSONValue { .number(String(value)) }
    public static func int64(_ value: Int64) -> JSONValue { .number(String(value)) }

    /// A finite `Double`, as the shortest text that reads back as the same value: whole numbers below
    /// 2^53 without a fraction (`65536`), others as Swift writes them (`0.1`, `1e-07`, `1e+200`).
    public static func double(_ value: Double) -> JSONValue {
        guard value == value.rounded(), abs(value) < 9_007_199_254_740_992 else { return .number(String(value)) }
        return .number(value == 0 && value.sign == .minus ? "-0" : String(Int64(value)))
    }

    public static func optionalString(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }

    /// Headers as a JSON object.
    public static func headers(_ fields: [HeaderField]) -> JSONValue {
        .object(fields.map { ($0.name, .string($0.value)) })
    }

    /// An object's first member named `key`.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.0 == key }?.1
    }

    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    public var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    public var boolValue: Bool? {
        if case .bool(let flag) = self { return flag }
        return nil
    }

    public var numberText: String? {
        if case .number(let text) = self { return text }
        return nil
    }

    /// An integral number that fits `Int` (`3`, `3.0`).
    public var intValue: Int? {
        guard let text = numberText else { return nil }
        if let value = Int(text) { return value }
        if let value = Double(text), value.rounded() == value, abs(value) < 1e15 { return Int(value) }
        return nil
    }

    public var doubleValue: Double? { numberText.flatMap(Double.init) }

    public var arrayValue: [JSONValue]? {
        if case .array(let items) = self { return items }
        return nil
    }

    public var isObject: Bool {
        if case .object = self { return true }
        return false
    }

    /// An object's members by name, for lookups that ignore their order (of two members with one
    /// name, the later wins; objects read from text have none).
    public var dictionaryValue: [String: JSONValue]? {
        guard case .object(let members) = self else { return nil }
        return Dictionary(members, uniquingKeysWith: { _, later in later })
    }

    /// The JSON type's name, for messages such as "amount must be a string, not a number".
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .number: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }

    /// Equal when written the same: the same members in the same order, numbers with the same text.
    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case (.bool(let left), .bool(let right)): return left == right
        case (.number(let left), .number(let right)): return left == right
        case (.string(let left), .string(let right)): return left == right
        case (.array(let left), .array(let right)): return left == right
        case (.object(let left), .object(let right)):
            guard left.count == right.count else { return false }
            for (one, other) in zip(left, right) where one.0 != other.0 || one.1 != other.1 { return false }
            return true
        default: return false
        }
    }

    public func hash(into hasher: inout Hasher) {
        switch self {
        case .null:
            hasher.combine(0)
        case .bool(let flag):
            hasher.combine(1)
            hasher.combine(flag)
        case .number(let text):
            hasher.combine(2)
            hasher.combine(text)
        case .string(let text):
            hasher.combine(3)
            hasher.combine(text)
        case .array(let items):
            hasher.combine(4)
            hasher.combine(items)
        case .object(let members):
            hasher.combine(5)
            hasher.combine(members.count)
            for (name, value) in members {
                hasher.combine(name)
                hasher.combine(value)
            }
        }
    }
}
