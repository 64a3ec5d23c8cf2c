import Foundation
import OpubCore

/// Money and time at the provider boundary: USD JSON numbers become ``Money`` (micro-dollars, nearest,
/// ties away from zero) and ISO 8601 strings become ``Timestamp``s, exactly once, while decoding.
extension KeyedDecodingContainer {
    /// Decodes a USD number. The JSON text is read as a `Decimal`, so no binary rounding happens before
    /// the conversion to micro-dollars.
    func decodeUSD(forKey key: Key) throws -> Money {
        let value = try decode(Decimal.self, forKey: key)
        guard let money = Money.fromProviderUSD(value.description) else {
            throw DecodingError.dataCorruptedError(
                forKey: key, in: self, debugDescription: "\(value) is not a USD amount opub can hold")
        }
        return money
    }

    /// Like ``decodeUSD(forKey:)`` for a number that may be null or absent.
    func decodeUSDIfPresent(forKey key: Key) throws -> Money? {
        guard contains(key), try !decodeNil(forKey: key) else { return nil }
        return try decodeUSD(forKey: key)
    }

    /// Decodes a provider timestamp in either `…+00:00` or `…Z` form.
    func decodeTimestamp(forKey key: Key) throws -> Timestamp {
        let text = try decode(String.self, forKey: key)
        guard let timestamp = ProviderTimestamp.parse(text) else {
            throw DecodingError.dataCorruptedError(
                forKey: key, in: self, debugDescription: "'\(text)' is not an ISO 8601 timestamp")
        }
        return timestamp
    }

    /// Like ``decodeTimestamp(forKey:)`` for a value that may be null or absent.
    func decodeTimestampIfPresent(forKey key: Key) throws -> Timestamp? {
        guard contains(key), try !decodeNil(forKey: key) else { return nil }
        return try decodeTimestamp(forKey: key)
    }
}

extension KeyedEncodingContainer {
    /// Encodes micro-dollars as an exact USD JSON number (`12.5`, `0.000123`).
    mutating func encodeUSD(_ money: Money, forKey key: Key) throws {
        try encode(Decimal(string: money.usdString) ?? 0, forKey: key)
    }
}
