import Foundation
import OpubServer
import OpubSurfaces
import Yams

/// The OpenAPI document read with Yams, and a small check of JSON values against its schemas: the part
/// of JSON Schema the document uses — `$ref` (sibling keywords kept), `allOf` (merged, so a property
/// declared by any part counts as declared), `oneOf`/`anyOf`, `type` (with `"null"`, and 3.0's
/// `nullable`), `properties`, `required`, `additionalProperties`, `items`, `enum` and `pattern`.
///
/// Stricter than JSON Schema on purpose: an object schema that lists `properties` is closed unless its
/// `additionalProperties` says otherwise, so a key the encoder writes and the document does not declare
/// is always reported.
struct OpenAPISchema {
    let root: [String: Any]

    static let methods: Set<String> = ["get", "put", "post", "delete", "patch", "head", "options", "trace"]
    static let errorSchema = "#/components/schemas/Error"

    init(yaml: String) throws {
        guard let root = Self.plain(try Yams.load(yaml: yaml) ?? NSNull()) as? [String: Any] else {
            throw TestFailure("the OpenAPI document is not a YAML mapping")
        }
        self.root = root
    }

    /// Yams' mappings have `AnyHashable` keys; this document's keys are all strings.
    static func plain(_ node: Any) -> Any {
        if let mapping = node as? [AnyHashable: Any] {
            var result: [String: Any] = [:]
            for (key, value) in mapping { result["\(key.base)"] = plain(value) }
            return result
        }
        if let sequence = node as? [Any] { return sequence.map { plain($0) } }
        return node
    }

    func dictionary(_ value: Any?) -> [String: Any] { value as? [String: Any] ?? [:] }

    /// `"GET /healthz"` for every operation under `paths`.
    var operations: Set<String> {
        var result: Set<String> = []
        for (path, item) in dictionary(root["paths"]) {
            for method in dictionary(item).keys where Self.methods.contains(method) {
                result.insert("\(method.uppercased()) \(path)")
            }
        }
        return result
    }

    /// `"GET /healthz 200"` for every documented answer with a JSON body other than the error shape.
    var jsonAnswers: Set<String> {
        var result: Set<String> = []
        for (path, item) in dictionary(root["paths"]) {
            for (method, operation) in dictionary(item) where Self.methods.contains(method) {
                for (status, response) in dictionary(dictionary(operation)["responses"]) {
                    let content = dictionary(followed(dictionary(response))["content"])
                    guard let schema = dictionary(content["application/json"])["schema"] as? [String: Any],
                        (schema["$ref"] as? String) != Self.errorSchema
                    else { continue }
                    result.insert("\(method.uppercased()) \(path) \(status)")
                }
            }
        }
        return result
    }

    /// The node a local reference (`#/components/schemas/Key`) names.
    func resolve(_ reference: String) -> [String: Any]? {
        guard reference.hasPrefix("#/") else { return nil }
        var node: Any = root
        for part in reference.dropFirst(2).split(separator: "/") {
            let key = part.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            guard let next = (node as? [String: Any])?[key] else { return nil }
            node = next
        }
        return node as? [String: Any]
    }

    /// A response, request body or parameter with its `$ref` followed.
    func followed(_ node: [String: Any]) -> [String: Any] {
        var node = node
        for _ in 0..<16 {
            guard let reference = node["$ref"] as? String, let target = resolve(reference) else { break }
            node = target
        }
        return node
    }

    /// `components/schemas/<name>`.
    func schema(named name: String) throws -> [String: Any] {
        guard let schema = resolve("#/components/schemas/\(name)") else {
            throw TestFailure("the document has no schema \(name)")
        }
        return schema
    }

    /// The `application/json` schema of the answer `status` of `operation` (`"GET /healthz"`).
    func answerSchema(_ operation: String, status: String) throws -> [String: Any] {
        let responses = dictionary(try self.operation(operation)["responses"])
        guard let response = responses[status] as? [String: Any] else {
            throw TestFailure("\(operation) documents no \(status) answer")
        }
        let content = dictionary(followed(response)["content"])
        guard let schema = dictionary(content["application/json"])["schema"] as? [String: Any] else {
            throw TestFailure("\(operation)'s \(status) answer has no application/json schema")
        }
        return schema
    }

    /// The `application/json` schema of the request body of `operation`.
    func requestSchema(_ operation: String) throws -> [String: Any] {
        let body = followed(dictionary(try self.operation(operation)["requestBody"]))
        guard let schema = dictionary(dictionary(body["content"])["application/json"])["schema"] as? [String: Any]
        else { throw TestFailure("\(operation) takes no application/json body") }
        return schema
    }

    func operation(_ operation: String) throws -> [String: Any] {
        let parts = operation.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, let item = dictionary(root["paths"])[String(parts[1])] as? [String: Any],
            let found = item[parts[0].lowercased()] as? [String: Any]
        else { throw TestFailure("the document has no operation \(operation)") }
        return found
    }

    // MARK: - Checking values

    /// What in `value` its `schema` does not allow, each as "path: problem"; empty when it conforms.
    func violations(of value: JSONValue, against schema: [String: Any], at path: String = "$") -> [String] {
        let schema = flattened(schema)
        var problems: [String] = []
        if let alternatives = (schema["oneOf"] ?? schema["anyOf"]) as? [Any] {
            let results = alternatives.map { violations(of: value, against: dictionary($0), at: path) }
            let matching = results.filter(\.isEmpty).count
            if matching == 0 {
                problems.append(
                    "\(path): matches none of its alternatives (\(results.joined().joined(separator: "; ")))")
            } else if schema["oneOf"] != nil, matching > 1 {
                problems.append("\(path): matches \(matching) alternatives of a oneOf")
            }
        }
        if let types = allowedTypes(schema), !types.contains(where: { Self.conforms(value, to: $0) }) {
            problems.append(
                "\(path): is \(value.typeName), the schema says \(types.sorted().joined(separator: " or "))")
            return problems
        }
        switch value {
        case .object(let list):
            let members = Dictionary(list, uniquingKeysWith: { first, _ in first })
            let properties = dictionary(schema["properties"])
            let required = (schema["required"] as? [Any] ?? []).compactMap { $0 as? String }
            for name in required where members[name] == nil {
                problems.append("\(path): lacks the required \(name)")
            }
            let additional = schema["additionalProperties"]
            let closed = (additional as? Bool) == false || (schema["properties"] != nil && additional == nil)
            for (name, member) in members.sorted(by: { $0.key < $1.key }) {
                if let property = properties[name] as? [String: Any] {
                    problems += violations(of: member, against: property, at: "\(path).\(name)")
                } else if let additional = additional as? [String: Any] {
                    problems += violations(of: member, against: additional, at: "\(path).\(name)")
                } else if closed {
                    problems.append("\(path): \(name) is not declared in the schema")
                }
            }
        case .array(let items):
            if let itemSchema = schema["items"] as? [String: Any] {
                for (index, item) in items.enumerated() {
                    problems += violations(of: item, against: itemSchema, at: "\(path)[\(index)]")
                }
            }
        case .string(let text):
            if let allowed = schema["enum"] as? [Any], !allowed.contains(where: { ($0 as? String) == text }) {
                problems.append("\(path): '\(text)' is not one of the schema's enum")
            }
            if let pattern = schema["pattern"] as? String, let regex = try? Regex(pattern), !text.contains(regex) {
                problems.append("\(path): '\(text)' does not match \(pattern)")
            }
        case .null, .bool, .number:
            break
        }
        return problems
    }

    /// `schema` with its `$ref` followed (sibling keywords such as `description` kept) and its `allOf`
    /// parts merged into it.
    func flattened(_ schema: [String: Any], depth: Int = 0) -> [String: Any] {
        guard depth < 32 else { return schema }
        var result = schema
        if let reference = result.removeValue(forKey: "$ref") as? String, let target = resolve(reference) {
            result = flattened(target, depth: depth + 1).merging(result) { _, sibling in sibling }
        }
        if let parts = result.removeValue(forKey: "allOf") as? [Any] {
            for part in parts {
                result = merged(result, flattened(dictionary(part), depth: depth + 1))
            }
        }
        return result
    }

    /// Two schemas as one: their properties and required lists joined, other keywords from either.
    func merged(_ first: [String: Any], _ second: [String: Any]) -> [String: Any] {
        var result = first.merging(second) { mine, _ in mine }
        if first["properties"] != nil || second["properties"] != nil {
            result["properties"] = dictionary(first["properties"]).merging(dictionary(second["properties"])) {
                mine, _ in mine
            }
        }
        if first["required"] != nil || second["required"] != nil {
            result["required"] = (first["required"] as? [Any] ?? []) + (second["required"] as? [Any] ?? [])
        }
        return result
    }

    /// The JSON types `schema` allows, nil when it does not say.
    func allowedTypes(_ schema: [String: Any]) -> Set<String>? {
        var types: Set<String>
        if let one = schema["type"] as? String {
            types = [one]
        } else if let many = schema["type"] as? [Any] {
            types = Set(many.compactMap { $0 as? String })
        } else {
            return nil
        }
        if (schema["nullable"] as? Bool) == true { types.insert("null") }
        return types
    }

    static func conforms(_ value: JSONValue, to type: String) -> Bool {
        switch (value, type) {
        case (.null, "null"), (.bool, "boolean"), (.number, "number"), (.string, "string"), (.array, "array"),
            (.object, "object"):
            return true
        case (.number(let text), "integer"):
            guard let number = Double(text) else { return false }
            return number.rounded() == number
        default:
            return false
        }
    }
}

/// The plain optionals a sample leaves nil, by path. An encoder leaves such a key out, so the schema
/// check would never see it: a sample gives every one a value. (`@NullEncoded` optionals are written
/// as null, so nil is fine there.)
func unsetOptionals(in value: Any, at path: String = "") -> [String] {
    let mirror = Mirror(reflecting: value)
    if String(describing: type(of: value)).hasPrefix("NullEncoded<") {
        guard let wrapped = mirror.children.first?.value,
            let held = Mirror(reflecting: wrapped).children.first?.value
        else { return [] }
        return unsetOptionals(in: held, at: path)
    }
    if mirror.displayStyle == .optional {
        guard let wrapped = mirror.children.first?.value else { return [path.isEmpty ? "(the sample)" : path] }
        return unsetOptionals(in: wrapped, at: path)
    }
    var result: [String] = []
    for (index, child) in mirror.children.enumerated() {
        let label = child.label.map { $0.hasPrefix("_") ? String($0.dropFirst()) : $0 } ?? "[\(index)]"
        result += unsetOptionals(in: child.value, at: path.isEmpty ? label : "\(path).\(label)")
    }
    return result
}

extension JSONValue {
    /// An object from a dictionary, members in name order (the checker reads objects as dictionaries).
    static func dictionary(_ members: [String: JSONValue]) -> JSONValue {
        .object(members.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
    }
}
