/// Small TOML writers for the values opub puts in agent configs (Codex `-c` overrides, Vibe's
/// config). Strings are TOML basic strings, which share JSON's escapes.
public enum TOMLText {
    public static func string(_ text: String) -> String { JSONValue.quoted(text) }

    public static func array(_ items: [String]) -> String {
        "[" + items.map(string).joined(separator: ", ") + "]"
    }

    /// An inline table of strings, with quoted keys: `{ "HTTP-Referer" = "…", … }`.
    public static func inlineTable(_ fields: [HeaderField]) -> String {
        "{ " + fields.map { "\(string($0.name)) = \(string($0.value))" }.joined(separator: ", ") + " }"
    }
}
