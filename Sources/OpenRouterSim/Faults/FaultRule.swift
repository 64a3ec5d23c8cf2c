import Foundation

/// One injected fault: which route it hits, how often, and what it does.
///
/// A rule fires on a matching request with probability `errorRate` (default 1). When it fires, its
/// `latencyMs` delays the answer, and its outcome (the first of `errorStatus`, `hangMs`,
/// `dropAfterCommit` that is set) replaces the normal answer. `count` limits how many times it fires.
public struct FaultRule: Sendable, Hashable, Codable {
    /// `*`, `METHOD /path` or `/path`, where the path is a route template relative to `/api/v1`
    /// (`/keys/{hash}`, `/chat/completions`); `*` and `{…}` match any one segment.
    public var route: String
    public var latencyMs: Int?
    /// Answer with this status (and an error body) instead of serving the request.
    public var errorStatus: Int?
    /// Probability in 0…1 that the rule fires; default 1.
    public var errorRate: Double?
    /// `Retry-After` seconds sent with the error (typically with 429).
    public var retryAfter: Int?
    /// Wait this long before serving the request (the action still happens), so that a client with a
    /// shorter timeout gives up: a timeout whose outcome the client cannot know.
    public var hangMs: Int?
    /// Serve the request (the action is committed), then close the connection without an answer.
    public var dropAfterCommit: Bool?
    /// How many more times the rule fires; nil means forever.
    public var count: Int?

    public init(
        route: String = "*", latencyMs: Int? = nil, errorStatus: Int? = nil, errorRate: Double? = nil,
        retryAfter: Int? = nil, hangMs: Int? = nil, dropAfterCommit: Bool? = nil, count: Int? = nil
    ) {
        self.route = route
        self.latencyMs = latencyMs
        self.errorStatus = errorStatus
        self.errorRate = errorRate
        self.retryAfter = retryAfter
        self.hangMs = hangMs
        self.dropAfterCommit = dropAfterCommit
        self.count = count
    }

    enum CodingKeys: String, CodingKey {
        case route, count
        case latencyMs = "latency_ms"
        case errorStatus = "error_status"
        case errorRate = "error_rate"
        case retryAfter = "retry_after"
        case hangMs = "hang_ms"
        case dropAfterCommit = "drop_after_commit"
    }

    /// `route` defaults to `*`; every other field is optional.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            route: try container.decodeIfPresent(String.self, forKey: .route) ?? "*",
            latencyMs: try container.decodeIfPresent(Int.self, forKey: .latencyMs),
            errorStatus: try container.decodeIfPresent(Int.self, forKey: .errorStatus),
            errorRate: try container.decodeIfPresent(Double.self, forKey: .errorRate),
            retryAfter: try container.decodeIfPresent(Int.self, forKey: .retryAfter),
            hangMs: try container.decodeIfPresent(Int.self, forKey: .hangMs),
            dropAfterCommit: try container.decodeIfPresent(Bool.self, forKey: .dropAfterCommit),
            count: try container.decodeIfPresent(Int.self, forKey: .count))
    }

    /// Parses the `--fault` flag: comma-separated `name=value` pairs with the JSON names, e.g.
    /// `route=POST /keys,error_status=502,count=2` or `route=*,error_status=429,retry_after=1,count=5`.
    public init(flag: String) throws(FaultFlagError) {
        self.init()
        for pair in flag.split(separator: ",") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2 else { throw FaultFlagError(flag: flag, detail: "'\(pair)' is not name=value") }
            let (name, value) = (parts[0], parts[1])
            func int() throws(FaultFlagError) -> Int {
                guard let number = Int(value) else {
                    throw FaultFlagError(flag: flag, detail: "\(name) needs a whole number")
                }
                return number
            }
            switch name {
            case "route": route = value
            case "latency_ms": latencyMs = try int()
            case "error_status": errorStatus = try int()
            case "error_rate":
                guard let rate = Double(value), (0...1).contains(rate) else {
                    throw FaultFlagError(flag: flag, detail: "error_rate needs a number from 0 to 1")
                }
                errorRate = rate
            case "retry_after": retryAfter = try int()
            case "hang_ms": hangMs = try int()
            case "drop_after_commit": dropAfterCommit = value == "true" || value == "1"
            case "count": count = try int()
            default:
                throw FaultFlagError(
                    flag: flag,
                    detail: "unknown setting '\(name)'; use route, latency_ms, error_status, error_rate, "
                        + "retry_after, hang_ms, drop_after_commit, count")
            }
        }
    }

    /// True when the rule applies to a request for `method` on the route template `template`.
    public func matches(method: String, template: String) -> Bool {
        let trimmed = route.trimmingCharacters(in: .whitespaces)
        if trimmed == "*" { return true }
        var pattern = Substring(trimmed)
        if let space = pattern.firstIndex(of: " ") {
            guard pattern[..<space].uppercased() == method.uppercased() else { return false }
            pattern = pattern[pattern.index(after: space)...].drop { $0 == " " }
        }
        if pattern == "*" { return true }
        let wanted = pattern.split(separator: "/")
        let actual = template.split(separator: "/")
        guard wanted.count == actual.count else { return false }
        return zip(wanted, actual).allSatisfy { want, have in
            want == have || want == "*" || want.hasPrefix("{") || have.hasPrefix("{")
        }
    }
}

/// A `--fault` flag that could not be read.
public struct FaultFlagError: Error, CustomStringConvertible {
    public var flag: String
    public var detail: String
    public var description: String { "--fault '\(flag)': \(detail)" }
}
