import Foundation
import OpenRouter
import OpubCore
import Testing

@Suite("USD to micro-dollars at the client boundary")
struct MoneyBoundaryTests {
    func key(usage: String, limit: String = "null") throws -> ProviderKey {
        let json = """
            {"hash":"h","name":"n","label":"sk-or-v1-abc...wxyz","disabled":false,"limit":\(limit),
            "limit_remaining":null,"limit_reset":null,"include_byok_in_limit":true,"usage":\(usage),
            "usage_daily":\(usage),"usage_weekly":0,"usage_monthly":0,"byok_usage":0,"byok_usage_daily":0,
            "byok_usage_weekly":0,"byok_usage_monthly":0,"created_at":"2025-02-19T20:52:27.363244+00:00",
            "updated_at":null,"expires_at":"2027-01-01T00:00:00Z","creator_user_id":null,"workspace_id":"w"}
            """
        return try JSONDecoder().decode(ProviderKey.self, from: Data(json.utf8))
    }

    @Test(
        "usage numbers become exact micro-dollars, nearest, ties away from zero",
        arguments: [
            ("0.0001851", 185), ("0.0000285", 29), ("0.0000284", 28), ("12.5", 12_500_000),
            ("1.25e-05", 13), ("0.0000005", 1), ("0.00000049", 0), ("0.123456789", 123_457), ("0", 0),
            ("99999.999999", 99_999_999_999),
        ])
    func usage(text: String, micros: Int64) throws {
        #expect(try key(usage: text).usage == Money(micros: micros))
    }

    @Test("limits and timestamps decode; null limit is unlimited")
    func limits() throws {
        let limited = try key(usage: "0", limit: "25.01")
        #expect(limited.limit == Money(dollars: 25, cents: 1))
        #expect(try key(usage: "0").limit == nil)
        #expect(limited.expiresAt == ProviderTimestamp.parse("2027-01-01T00:00:00Z"))
        #expect(limited.updatedAt == nil)
    }

    @Test("requests encode money as exact USD numbers and null limits explicitly")
    func encoding() throws {
        let update = UpdateKeyRequest(limit: .remove)
        #expect(String(decoding: try JSONEncoder().encode(update), as: UTF8.self) == #"{"limit":null}"#)
        let create = CreateKeyRequest(name: "opub:ck_1", limit: Money(micros: 12_340_000), includeBYOKInLimit: true)
        let text = String(decoding: try JSONEncoder().encode(create), as: UTF8.self)
        #expect(text.contains(#""limit":12.34"#))
        #expect(text.contains(#""include_byok_in_limit":true"#))
    }
}
