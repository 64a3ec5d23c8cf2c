import Crypto
import Foundation

/// The link token authenticates the CLI to opub without sharing the provider secret (`cli.md`):
/// `base64url(HMAC-SHA256(key: UTF-8 bytes of the secret, message: "opub-link/v1/" + ck_id))`,
/// without padding. The server stores only its SHA-256 (the *verifier*), so a leaked database
/// reveals no usable credential; the CLI re-derives the token from the secret it holds.
public enum LinkToken {
    public static func derive(secret: String, keyID: KeyID) -> String {
        let mac = HMAC<SHA256>.authenticationCode(
            for: Array("opub-link/v1/\(keyID.rawValue)".utf8), using: SymmetricKey(data: Array(secret.utf8)))
        return Base64URL.encode(Data(mac))
    }

    /// What the server stores: SHA-256 of the token, lowercase hex.
    public static func verifier(ofToken token: String) -> String {
        LedgerHashChain.hex(Array(SHA256.hash(data: Array(token.utf8))))
    }

    /// Compares a presented token with a stored verifier in constant time.
    public static func matches(token: String, verifier: String) -> Bool {
        ConstantTime.equal(Array(self.verifier(ofToken: token).utf8), Array(verifier.utf8))
    }
}
