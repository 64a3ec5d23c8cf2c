import OpenRouter
import OpubCore
import Testing

@Suite("Provider timestamps")
struct ProviderTimestampTests {
    @Test("both the +00:00 form with microseconds and the Z form parse")
    func bothForms() throws {
        let offset = try #require(ProviderTimestamp.parse("2025-02-19T20:52:27.363244+00:00"))
        let zulu = try #require(ProviderTimestamp.parse("2025-02-19T20:52:27.363244Z"))
        #expect(offset == zulu)
        #expect(offset.iso8601 == "2025-02-19T20:52:27.363244Z")
        let whole = try #require(ProviderTimestamp.parse("2025-02-19T20:52:27Z"))
        #expect(whole.iso8601 == "2025-02-19T20:52:27.000000Z")
    }

    @Test("other offsets are converted to UTC and are not UTC")
    func offsets() throws {
        let paris = try #require(ProviderTimestamp.parse("2025-02-19T21:52:27+01:00"))
        #expect(paris.iso8601 == "2025-02-19T20:52:27.000000Z")
        #expect(!ProviderTimestamp.isUTC("2025-02-19T21:52:27+01:00"))
        #expect(ProviderTimestamp.isUTC("2025-02-19T21:52:27+00:00"))
    }

    @Test("garbage does not parse")
    func garbage() {
        #expect(ProviderTimestamp.parse("yesterday") == nil)
        #expect(ProviderTimestamp.parse("2025-02-19") == nil)
        #expect(ProviderTimestamp.parse("2025-13-19T00:00:00Z") == nil)
    }
}
