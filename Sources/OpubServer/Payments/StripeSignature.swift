import Crypto
import Foundation
import OpubCore

/// Stripe's webhook signature (`Stripe-Signature: t=…,v1=…`): HMAC-SHA256 with the endpoint's
/// signing secret over `"{t}.{raw body}"`. Verified before the body is parsed; any of several
/// `v1` values may match (Stripe sends two while a secret is rolled); comparison is constant-time;
/// the timestamp must be within 300 s of now, either way.
public enum StripeSignature {
    public static let toleranceSeconds: Int64 = 300

    /// Why a signature was refused.
    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        case missingHeader
        case malformedHeader
        case noSignature
        case outsideTolerance
        case mismatch

        public var description: String {
            switch self {
            case .missingHeader: return "The Stripe-Signature header is missing."
            case .malformedHeader: return "The Stripe-Signature header is malformed; it must be t=…,v1=…."
            case .noSignature: return "The Stripe-Signature header has no v1 signature."
            case .outsideTolerance:
                return
                    "The Stripe-Signature timestamp is more than 300 seconds from now; Stripe resends with a fresh one."
            case .mismatch: return "No v1 signature matches this body and the webhook signing secret."
            }
        }
    }

    public static func verify(
        payload: [UInt8], header: String?, secret: String, now: Timestamp
    ) throws(Failure) {
        guard let header, !header.isEmpty else { throw .missingHeader }
        var timestamp: Int64?
        var signatures: [[UInt8]] = []
        for item in header.split(separator: ",") {
            let parts = item.split(separator: "=", maxSplits: 1)
            guard parts.count == 2 else { throw .malformedHeader }
            let key = parts[0].trimmingCharacters(in: .whitespaces)
            let value = parts[1].trimmingCharacters(in: .whitespaces)
            switch key {
            case "t":
                guard let parsed = Int64(value), timestamp == nil else { throw .malformedHeader }
                timestamp = parsed
            case "v1":
                if let bytes = Hex.decode(value), bytes.count == 32 { signatures.append(bytes) }
            default:
                continue
            }
        }
        guard let timestamp else { throw .malformedHeader }
        guard !signatures.isEmpty else { throw .noSignature }
        let nowSeconds = now.microsSinceEpoch / 1_000_000
        guard abs(nowSeconds - timestamp) <= toleranceSeconds else { throw .outsideTolerance }
        let key = SymmetricKey(data: Array(secret.utf8))
        let signed = Array("\(timestamp).".utf8) + payload
        var matched = false
        for signature in signatures {
            // Check every candidate, so the time taken does not depend on which one matches.
            if HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: signed, using: key) { matched = true }
        }
        guard matched else { throw .mismatch }
    }

    /// The header Stripe would send for `payload` at `timestamp` (sandbox events and tests).
    public static func header(payload: [UInt8], secret: String, timestamp: Int64) -> String {
        let key = SymmetricKey(data: Array(secret.utf8))
        let mac = HMAC<SHA256>.authenticationCode(for: Array("\(timestamp).".utf8) + payload, using: key)
        return "t=\(timestamp),v1=\(Hex.encode(mac))"
    }
}
