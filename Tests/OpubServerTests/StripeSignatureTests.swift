import OpubCore
import OpubServer
import Testing

@Suite("Stripe-Signature verification")
struct StripeSignatureTests {
    let payload = Array(#"{"id":"evt_1","type":"checkout.session.completed"}"#.utf8)
    let secret = "whsec_test_secret"
    let now = Timestamp(microsSinceEpoch: 1_800_000_000_000_000)
    var t: Int64 { now.microsSinceEpoch / 1_000_000 }

    func verify(_ header: String?, payload: [UInt8]? = nil, at time: Timestamp? = nil) -> StripeSignature.Failure? {
        do {
            try StripeSignature.verify(
                payload: payload ?? self.payload, header: header, secret: secret, now: time ?? now)
            return nil
        } catch {
            return error
        }
    }

    @Test("a signature made with the secret over t.body verifies, among other v1 and unknown schemes")
    func valid() {
        let header = StripeSignature.header(payload: payload, secret: secret, timestamp: t)
        #expect(verify(header) == nil)
        let other = StripeSignature.header(payload: payload, secret: "whsec_old", timestamp: t)
        let v1 = header.split(separator: ",")[1]
        #expect(verify("t=\(t),\(other.split(separator: ",")[1]),\(v1),v0=abc") == nil)
        #expect(verify("t=\(t), \(v1)") == nil)
    }

    @Test("refusals: missing, malformed, no v1, wrong secret, modified body, outside 300 s")
    func refusals() {
        let header = StripeSignature.header(payload: payload, secret: secret, timestamp: t)
        #expect(verify(nil) == .missingHeader)
        #expect(verify("") == .missingHeader)
        #expect(verify("nonsense") == .malformedHeader)
        #expect(verify("v1=abc") == .malformedHeader)
        #expect(verify("t=\(t)") == .noSignature)
        #expect(verify("t=\(t),v1=zz") == .noSignature)
        #expect(verify(StripeSignature.header(payload: payload, secret: "whsec_other", timestamp: t)) == .mismatch)
        #expect(verify(header, payload: payload + [0x20]) == .mismatch)
        #expect(verify(header, at: now.adding(seconds: 300)) == nil)
        #expect(verify(header, at: now.adding(seconds: 301)) == .outsideTolerance)
        #expect(verify(header, at: now.adding(seconds: -301)) == .outsideTolerance)
    }
}
