import Foundation

/// Where and how the simulator broadcasts a trace of each inference request, as OpenRouter's Broadcast
/// feature does with a webhook destination: one OTLP/HTTP JSON document per generation.
public struct BroadcastSettings: Sendable {
    /// Where traces go; evaluated at each delivery (a sandbox server knows its own URL only after it
    /// binds). nil means not yet known: the trace is kept and retried later, within the retry budget.
    public var destination: @Sendable () -> String?
    /// `POST` or `PUT`.
    public var method: String
    /// Sent with every delivery, e.g. `Authorization: Bearer …`.
    public var headers: [(name: String, value: String)]
    public var faults: BroadcastFaults

    public init(
        destination: @escaping @Sendable () -> String?, method: String = "POST",
        headers: [(name: String, value: String)] = [], faults: BroadcastFaults = BroadcastFaults()
    ) {
        self.destination = destination
        self.method = method
        self.headers = headers
        self.faults = faults
    }

    /// A fixed destination URL.
    public init(
        url: String, method: String = "POST", headers: [(name: String, value: String)] = [],
        faults: BroadcastFaults = BroadcastFaults()
    ) {
        self.init(destination: { url }, method: method, headers: headers, faults: faults)
    }

    /// Parses the `--broadcast-header` flag, `Name: value` (e.g. `Authorization: Bearer …`); the name is a
    /// non-empty token without spaces, the value is trimmed.
    public static func header(flag: String) throws(BroadcastFlagError) -> (name: String, value: String) {
        let parts = flag.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        let name = parts.first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        guard parts.count == 2, !name.isEmpty, !name.contains(where: \.isWhitespace) else {
            throw BroadcastFlagError(option: "--broadcast-header", value: flag, detail: "'Name: value' is required")
        }
        return (name: name, value: parts[1].trimmingCharacters(in: .whitespaces))
    }
}

/// How the broadcast misbehaves, so that a receiver's handling of lost, repeated and late traces is
/// testable. Draws come from the simulator's seed, so they repeat under the same seed.
public struct BroadcastFaults: Sendable, Hashable, Codable {
    /// 0…1: the share of traces never delivered.
    public var dropShare: Double
    /// 0…1: the share of traces delivered twice (the same body both times).
    public var duplicateShare: Double
    /// Every delivery waits this long first.
    public var lateMillis: Int

    public init(dropShare: Double = 0, duplicateShare: Double = 0, lateMillis: Int = 0) {
        self.dropShare = dropShare
        self.duplicateShare = duplicateShare
        self.lateMillis = lateMillis
    }

    enum CodingKeys: String, CodingKey {
        case dropShare = "drop_share"
        case duplicateShare = "duplicate_share"
        case lateMillis = "late_ms"
    }

    /// Every field is optional.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            dropShare: try container.decodeIfPresent(Double.self, forKey: .dropShare) ?? 0,
            duplicateShare: try container.decodeIfPresent(Double.self, forKey: .duplicateShare) ?? 0,
            lateMillis: try container.decodeIfPresent(Int.self, forKey: .lateMillis) ?? 0)
    }

    /// Parses the `--broadcast-fault` flag: comma-separated `name=value` pairs, any subset of
    /// `drop=0.1,duplicate=0.2,late_ms=1500` (`drop_share` and `duplicate_share` are accepted too).
    public init(flag: String) throws(BroadcastFlagError) {
        self.init()
        func failure(_ detail: String) -> BroadcastFlagError {
            BroadcastFlagError(option: "--broadcast-fault", value: flag, detail: detail)
        }
        for pair in flag.split(separator: ",") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[0].isEmpty else { throw failure("'\(pair)' is not name=value") }
            let (name, value) = (parts[0], parts[1])
            func share() throws(BroadcastFlagError) -> Double {
                guard let number = Double(value), (0...1).contains(number) else {
                    throw failure("\(name) needs a number from 0 to 1")
                }
                return number
            }
            switch name {
            case "drop", "drop_share": dropShare = try share()
            case "duplicate", "duplicate_share": duplicateShare = try share()
            case "late_ms":
                guard let millis = Int(value), millis >= 0 else {
                    throw failure("late_ms needs a whole number of milliseconds")
                }
                lateMillis = millis
            default:
                throw failure("unknown setting '\(name)'; use drop, duplicate, late_ms")
            }
        }
    }
}

/// A `--broadcast-fault` or `--broadcast-header` flag that could not be read.
public struct BroadcastFlagError: Error, CustomStringConvertible {
    /// `--broadcast-fault` or `--broadcast-header`.
    public var option: String
    public var value: String
    public var detail: String
    public var description: String { "\(option) '\(value)': \(detail)" }
}
