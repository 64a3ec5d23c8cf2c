/// A prefixed, random, URL-safe identifier such as `ck_…` or `tx_…`.
///
/// The prefix tells what the id names; the body is 24 characters of lowercase base-32 (120 random bits).
public protocol PrefixedID: Sendable, Hashable, Comparable, Codable, CustomStringConvertible,
    LosslessStringConvertible
{
    static var prefix: String { get }
    var rawValue: String { get }
    init(unchecked rawValue: String)
}

extension PrefixedID {
    public var description: String { rawValue }

    /// Accepts only a well-formed id of this kind: the prefix, `_`, then 1–64 of `[a-z0-9]`.
    public init?(_ description: String) {
        let head = Self.prefix + "_"
        guard description.hasPrefix(head) else { return nil }
        let body = description.utf8.dropFirst(head.utf8.count)
        guard (1...64).contains(body.count),
            body.allSatisfy({
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
            })
        else { return nil }
        self.init(unchecked: description)
    }

    /// A fresh random id: 120 bits from two draws of `generator` (one system call each for the system
    /// generator, not one per character), written 5 bits to a character.
    public static func random(using generator: inout some RandomNumberGenerator) -> Self {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz234567".utf8)
        let draws = (generator.next() as UInt64, generator.next() as UInt64)
        var body: [UInt8] = []
        body.reserveCapacity(24)
        for index in 0..<24 {
            let word = index < 12 ? draws.0 : draws.1
            body.append(alphabet[Int((word >> UInt64(5 * (index % 12))) & 31)])
        }
        return Self(unchecked: prefix + "_" + String(decoding: body, as: UTF8.self))
    }

    public static func random() -> Self {
        var generator = SystemRandomNumberGenerator()
        return random(using: &generator)
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let id = Self(text) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "'\(text)' is not a \(Self.prefix)_ id"))
        }
        self = id
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// A project (one public GitHub repository).
public struct ProjectID: PrefixedID {
    public static let prefix = "prj"
    public let rawValue: String
    public init(unchecked rawValue: String) { self.rawValue = rawValue }
}

/// A compute key.
public struct KeyID: PrefixedID {
    public static let prefix = "ck"
    public let rawValue: String
    public init(unchecked rawValue: String) { self.rawValue = rawValue }
}

/// A ledger transaction.
public struct TransactionID: PrefixedID {
    public static let prefix = "tx"
    public let rawValue: String
    public init(unchecked rawValue: String) { self.rawValue = rawValue }
}

/// A donation.
public struct DonationID: PrefixedID {
    public static let prefix = "don"
    public let rawValue: String
    public init(unchecked rawValue: String) { self.rawValue = rawValue }
}

/// A linked agent session, chosen by the CLI.
public struct SessionID: PrefixedID {
    public static let prefix = "ls"
    public let rawValue: String
    public init(unchecked rawValue: String) { self.rawValue = rawValue }
}

/// A user (keyed by GitHub numeric id in storage).
public struct UserID: PrefixedID {
    public static let prefix = "usr"
    public let rawValue: String
    public init(unchecked rawValue: String) { self.rawValue = rawValue }
}

/// An alert on unusual use of a key.
public struct AlertID: PrefixedID {
    public static let prefix = "alr"
    public let rawValue: String
    public init(unchecked rawValue: String) { self.rawValue = rawValue }
}

/// One delivery of an alert to a project's webhook.
public struct DeliveryID: PrefixedID {
    public static let prefix = "dlv"
    public let rawValue: String
    public init(unchecked rawValue: String) { self.rawValue = rawValue }
}
