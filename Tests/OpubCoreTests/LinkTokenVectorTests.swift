import OpubCore
import Testing

/// The link token of `cli.md`, against vectors computed independently (Python's `hmac` and
/// `hashlib`). The server (verifier at creation, lookup on every CLI call) and the CLI (derivation
/// from the stored secret) both call ``LinkToken``; these vectors pin what both must produce.
@Suite("Link token vectors")
struct LinkTokenVectorTests {
    /// A made-up secret of the provider's shape, assembled here so that no key-shaped text is stored.
    static let secret = "sk-or-v1-" + String(repeating: "0123456789abcdef", count: 4)

    @Test(
        "derivation and verifier match the fixed vectors",
        arguments: [
            (
                "ck_0000000000000001", "7mL1QO9SLySvdRvaY-xxq1J-jQDKWQ7tXyzXEdl3xEo",
                "a4b63b4d4d0c4a724f1b0c73533997c2dd6c07b03a2820eb23576f0c48460063"
            ),
            (
                "ck_7f3a9c2e1b4d", "TqGgerIONmSLvhphSOgrhdA4mLNnju8rFXKyXl3ULxo",
                "58c667056c52ae5958781ae56d2673e11b09ae2ca5e54a32bee935371c6794a1"
            ),
        ])
    func vectors(key: String, token: String, verifier: String) throws {
        let id = try #require(KeyID(key))
        #expect(LinkToken.derive(secret: Self.secret, keyID: id) == token)
        #expect(LinkToken.verifier(ofToken: token) == verifier)
        #expect(LinkToken.matches(token: token, verifier: verifier))
        #expect(!LinkToken.matches(token: token, verifier: String(verifier.dropLast()) + "0"))
        #expect(!LinkToken.matches(token: String(token.dropLast()) + "A", verifier: verifier))
    }

    @Test("a token is bound to its key and its secret")
    func binding() throws {
        let a = try #require(KeyID("ck_aaaa"))
        let b = try #require(KeyID("ck_bbbb"))
        #expect(LinkToken.derive(secret: Self.secret, keyID: a) != LinkToken.derive(secret: Self.secret, keyID: b))
        #expect(
            LinkToken.derive(secret: Self.secret, keyID: a) != LinkToken.derive(secret: Self.secret + "0", keyID: a))
    }
}
