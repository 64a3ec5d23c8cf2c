import OpenRouter
import Testing

@Suite("Key hash and label")
struct KeyFingerprintTests {
    /// A well-formed key assembled at run time (known head and tail, random middle), so that no
    /// key-shaped string sits in the repository.
    let secret =
        KeyFingerprint.secretPrefix + "0e6"
        + String((0..<57).map { _ in "0123456789abcdef".randomElement()! }) + "1c96"

    @Test("hash is the SHA-256 hex of the full key")
    func hash() {
        // printf %s "$secret" | sha256sum
        #expect(
            KeyFingerprint.hash(ofSecret: "abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(KeyFingerprint.hash(ofSecret: secret).count == 64)
    }

    @Test("label keeps the prefix, 3 characters, and the last 4")
    func label() {
        #expect(KeyFingerprint.label(ofSecret: secret) == "sk-or-v1-0e6...1c96")
        #expect(KeyFingerprint.label(ofSecret: "sk-or-v1-short") == "sk-or-v1-...")
    }

    @Test("well-formed inference keys are recognised")
    func wellFormed() {
        #expect(KeyFingerprint.isWellFormedSecret(secret))
        #expect(!KeyFingerprint.isWellFormedSecret("sk-or-v1-XYZ"))
        #expect(!KeyFingerprint.isWellFormedSecret(String(secret.dropLast())))
    }

    @Test("secrets in text are replaced by their labels")
    func redaction() {
        let text = "bad key \(secret) in header"
        let redacted = KeyFingerprint.redactingSecrets(in: text)
        #expect(redacted == "bad key sk-or-v1-0e6...1c96 in header")
        #expect(!redacted.contains(secret))
    }
}
