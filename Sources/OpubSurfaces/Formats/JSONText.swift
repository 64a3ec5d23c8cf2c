/// A JSON document built in code and written with keys in the order given, so that generated
/// configuration files are stable byte for byte.
public indirect enum JSONText: Sendable, Hashable {
    case string(String)
    case bool(Bool)
    case int(Int)
    case array([JSONText])
    case object([(String, JSONText)])

    public static func == (lhs: JSONText, rhs: JSONText) -> Bool { lhs.rendered() == rhs.rendered() }
    public func hash(into hasher: inout Hasher) { hasher.combine(rendered()) }

    /// Compact JSON (`{"a":1}`), or indented by two spaces when `pretty`.
    public func rendered(pretty: Bool = false) -> String {
        var output = ""
        write(into: &output, pretty: pretty, indent: 0)
        return output
    }

    private func write(into output: inout String, pretty: Bool, indent: Int) {
        switch self {
        case .string(let text): output += Self.quoted(text)
        case .bool(let value): output += value ? "true" : "false"
        case .int(let value): output += String(value)
        case .array(let items):
            writeContainer(
                items.map { (nil, $0) }, open: "[", close: "]", into: &output, pretty: pretty, indent: indent)
        case .object(let members):
            writeContainer(
                members.map { ($0.0, $0.1) }, open: "{", close: "}", into: &output, pretty: pretty, indent: indent)
        }
    }

    private func writeContainer(
        _ entries: [(String?, JSONText)], open: String, close: String, into output: inout String, pretty: Bool,
        indent: Int
    ) {
        output += open
        guard !entries.isEmpty else {
            output += close
            return
        }
        let pad = String(repeating: " ", count: (indent + 1) * 2)
        for (index, (name, value)) in entries.enumerated() {
            if index > 0 { output += "," }
            if pretty { output += "\n" + pad }
            if let name { output += Self.quoted(name) + (pretty ? ": " : ":") }
            value.write(into: &output, pretty: pretty, indent: indent + 1)
        }
        if pretty { output += "\n" + String(repeating: " ", count: indent * 2) }
        output += close
    }

    /// A JSON string literal. Also a valid YAML double-quoted scalar and TOML basic string for the
    /// characters opub writes.
    public static func quoted(_ text: String) -> String {
        var output = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7f:
                let hex = String(scalar.value, radix: 16, uppercase: true)
                output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: output.unicodeScalars.append(scalar)
            }
        }
        return output + "\""
    }

    /// Headers as a JSON object.
    public static func headers(_ fields: [HeaderField]) -> JSONText {
        .object(fields.map { ($0.name, .string($0.value)) })
    }
}
