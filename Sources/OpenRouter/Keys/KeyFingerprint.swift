import Crypto

/// The two public names of an OpenRouter key secret: its **hash** (SHA-256 hex of the full key, used in
/// management URLs) and its **label** (the masked key shown to people, `sk-or-v1-0e6...1c96`).
///
/// Neither reveals the secret, so both may be stored, logged and displayed.
public enum KeyFingerprint {
    /// The prefix every OpenRouter key carries.
    public static let secretPrefix = "sk-or-v1-"

    /// SHA-256 of the full key text, as 64 lowercase hex digits.
    public static func hash(ofSecret secret: String) -> String {
        let digest = SHA256.hash(data: Array(secret.utf8))
        return digest.map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    /// The masked key: the `sk-or-v1-` prefix, the first 3 characters after it, `...`, and the last 4.
    /// Keys too short to mask that way become `sk-or-v1-...` (or `...`), revealing nothing.
    public static func label(ofSecret secret: String) -> String {
        let hasPrefix = secret.hasPrefix(secretPrefix)
        let body = hasPrefix ? secret.dropFirst(secretPrefix.count) : Substring(secret)
        let head = hasPrefix ? secretPrefix : ""
        guard body.count >= 12 else { return head + "..." }
        return head + body.prefix(3) + "..." + body.suffix(4)
    }

    /// True for a well-formed inference key: `sk-or-v1-` followed by 64 lowercase hex digits.
    public static func isWellFormedSecret(_ secret: String) -> Bool {
        guard secret.hasPrefix(secretPrefix) else { return false }
        let body = secret.utf8.dropFirst(secretPrefix.utf8.count)
        return body.count == 64 && body.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    /// Replaces every `sk-or-v1-…` secret in `text` by its label, so that provider messages, URLs and
    /// errors can be shown or logged without leaking a key.
    public static func redactingSecrets(in text: String) -> String {
        guard text.contains(secretPrefix) else { return text }
        var output = ""
        var rest = Substring(text)
        while let range = rest.range(of: secretPrefix) {
            output += rest[..<range.lowerBound]
            var end = range.upperBound
            while end < rest.endIndex, let ascii = rest[end].asciiValue,
                ascii == 45 || ascii == 95 || (48...57).contains(ascii) || (65...90).contains(ascii)
                    || (97...122).contains(ascii)
            {
                end = rest.index(after: end)
            }
            output += label(ofSecret: String(rest[range.lowerBound..<end]))
            rest = rest[end...]
        }
        return output + rest
    }
}
