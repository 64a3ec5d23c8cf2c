import Crypto
import Foundation
import OpubCore

/// Keys derived from `OPUB_SECRET_KEY` with HKDF-SHA256, one per purpose, so that no two uses
/// share a key: sealing GitHub tokens in sessions, sealing PKCE verifiers, CSRF tokens, and (in
/// sandbox) the secret that signs locally made Stripe events.
public struct ServerSecrets: Sendable {
    // Raw bytes: swift-crypto's `SymmetricKey` is not `Sendable`; a key is rebuilt where it is used.
    let tokenSealingBytes: [UInt8]
    let verifierSealingBytes: [UInt8]
    let csrfBytes: [UInt8]
    let alertWebhookBytes: [UInt8]
    var tokenSealingKey: SymmetricKey { SymmetricKey(data: tokenSealingBytes) }
    var verifierSealingKey: SymmetricKey { SymmetricKey(data: verifierSealingBytes) }
    var csrfKey: SymmetricKey { SymmetricKey(data: csrfBytes) }
    /// `whsec_…` derived for sandbox payments when no explicit sandbox secret is configured.
    public let derivedSandboxWebhookSecret: String
    /// The token the sandbox's in-process simulator broadcasts traces to this server with, when
    /// `OPUB_BROADCAST_TOKEN` is not set.
    public let derivedSandboxBroadcastToken: String

    public init(masterSecret: String) {
        let master = SymmetricKey(data: Array(masterSecret.utf8))
        func derive(_ purpose: String) -> [UInt8] {
            HKDF<SHA256>.deriveKey(
                inputKeyMaterial: master, salt: Array("opub".utf8), info: Array("opub/\(purpose)/v1".utf8),
                outputByteCount: 32
            ).withUnsafeBytes { Array($0) }
        }
        tokenSealingBytes = derive("session-github-token")
        verifierSealingBytes = derive("oauth-pkce-verifier")
        csrfBytes = derive("csrf")
        alertWebhookBytes = derive("alert-webhook")
        let webhook = derive("sandbox-stripe-webhook")
        derivedSandboxWebhookSecret = "whsec_sandbox_" + Hex.encode(webhook)
        derivedSandboxBroadcastToken = "sandbox_" + Hex.encode(derive("sandbox-broadcast"))
    }
}

extension ServerSecrets {
    /// The secret a project's alert webhook deliveries are signed with (`whsec_…`), derived from the
    /// server secret, the project and the secret's version: nothing to store, the same on every
    /// replica, and a new version ("new signing secret") makes a new one.
    public func alertWebhookSecret(project: ProjectID, version: Int64) -> String {
        let mac = HMAC<SHA256>.authenticationCode(
            for: Array("\(project.rawValue)/\(version)".utf8), using: SymmetricKey(data: alertWebhookBytes))
        return "whsec_" + Hex.encode(mac)
    }
}

/// AES-GCM sealing for secrets at rest. The sealed form is base64 of nonce ‖ ciphertext ‖ tag;
/// `context` (for example the session's id hash) is authenticated too, so a sealed value copied to
/// another row does not open.
enum SecretBox {
    static func seal(_ plaintext: String, key: SymmetricKey, context: String) throws -> String {
        let box = try AES.GCM.seal(Array(plaintext.utf8), using: key, authenticating: Array(context.utf8))
        guard let combined = box.combined else { throw SecretBoxError.unsealable }
        return combined.base64EncodedString()
    }

    static func open(_ sealed: String, key: SymmetricKey, context: String) throws -> String {
        guard let data = Data(base64Encoded: sealed) else { throw SecretBoxError.unsealable }
        let box = try AES.GCM.SealedBox(combined: data)
        let plaintext = try AES.GCM.open(box, using: key, authenticating: Array(context.utf8))
        return String(decoding: plaintext, as: UTF8.self)
    }
}

enum SecretBoxError: Error, CustomStringConvertible {
    case unsealable

    var description: String { "A sealed secret is malformed; was OPUB_SECRET_KEY changed?" }
}

/// SHA-256, hex: how session ids and OAuth states are stored.
enum TokenHash {
    static func sha256Hex(_ text: String) -> String {
        Hex.encode(SHA256.hash(data: Array(text.utf8)))
    }
}
