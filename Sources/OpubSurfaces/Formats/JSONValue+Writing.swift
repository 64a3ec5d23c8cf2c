extension JSONValue {
    /// How strings are escaped.
    public enum Escaping: Sendable {
        /// `"`, `\`, `\n`, `\r`, `\t`, the other C0 controls and DEL as `\u00XX` (uppercase hex): also
        /// a valid YAML double-quoted scalar and TOML basic string, for the configurations opub writes.
        case portable
        /// Only what JSON requires: `"`, `\`, `\n`, `\r`, `\t` and the other C0 controls as `\u00xx`
        /// (lowercase hex), DEL as it is. The simulator's answers.
        case minimal
    }

    /// Compact JSON (`{"a":1}`), or indented by two spaces when `pretty` (`"a": 1`, empty arrays and
    /// objects as `[]` and `{}`).
    public func rendered(pretty: Bool = false, escaping: Escaping = .portable) -> String {
        var output = ""
        write(into: &output, pretty: pretty, indent: 0, escaping: escaping)
        return output
    }

    /// A JSON string literal, escaped ``Escaping/portable``: also a valid YAML double-quoted scalar and
    /// TOML basic string for the characters opub writes.
    public static func quoted(_ text: String) -> String {
        var output = ""
        quote(text, escaping: .portable, into: &output)
        return output
    }

    private func write(into output: inout String, pretty: Bool, indent: Int, escaping: Escaping) {
        switch self {
        case .null: output += "null"
        case .bool(let flag): output += flag ? "true" : "false"
        case .number(let text): output += text
        case .string(let text): Self.quote(text, escaping: escaping, into: &output)
        case .array(let items):
            output += "["
            for (index, item) in items.enumerated() {
                Self.startEntry(index, into: &output, pretty: pretty, indent: indent)
                item.write(into: &output, pretty: pretty, indent: indent + 1, escaping: escaping)
            }
            Self.close("]", empty: items.isEmpty, into: &output, pretty: pretty, indent: indent)
        case .object(let members):
            output += "{"
            for (index, (name, value)) in members.enumerated() {
                Self.startEntry(index, into: &output, pretty: pretty, indent: indent)
                Self.quote(name, escaping: escaping, into: &output)
                output += pretty ? ": " : ":"
                value.write(into: &output, pretty: pretty, indent: indent + 1, escaping: escaping)
            }
            Self.close("}", empty: members.isEmpty, into: &output, pretty: pretty, indent: indent)
        }
    }

    /// The comma before every entry but the first, and when pretty a new line indented one level deeper.
    private static func startEntry(_ index: Int, into output: inout String, pretty: Bool, indent: Int) {
        if index > 0 { output += "," }
        if pretty { output += "\n" + String(repeating: " ", count: (indent + 1) * 2) }
    }

    /// The closing bracket, when pretty on a new line at the container's indent unless it is empty.
    private static func close(_ bracket: String, empty: Bool, into output: inout String, pretty: Bool, indent: Int) {
        if pretty && !empty { output += "\n" + String(repeating: " ", count: indent * 2) }
        output += bracket
    }

    private static func quote(_ text: String, escaping: Escaping, into output: inout String) {
        output += "\""
        // Most strings need no escape: one scan of their bytes, then one append (a provider listing of
        // 100 keys is some 2,000 strings).
        let plain = !text.utf8.contains { byte in
            byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20
                || (byte == 0x7f && escaping == .portable)
        }
        if plain {
            output += text
            output += "\""
            return
        }
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case _ where scalar.value < 0x20 || (scalar.value == 0x7f && escaping == .portable):
                let hex = String(scalar.value, radix: 16, uppercase: escaping == .portable)
                output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: output.unicodeScalars.append(scalar)
            }
        }
        output += "\""
    }
}
