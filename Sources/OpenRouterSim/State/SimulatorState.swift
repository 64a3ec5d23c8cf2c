import Crypto
import OpenRouter
import OpubCore

/// Everything the simulator knows, behind one actor: keys (by hash, plus a creation-order index for
/// O(page) listing), guardrails, generations, activity, faults and request counts.
///
/// Every check-then-charge happens inside one actor call, so concurrent requests cannot both pass a
/// limit check that only one of them can afford (unless the `overshoot` fault asks for exactly that).
public actor SimulatorState {
    let managementKeys: Set<String>
    let priceTable: PriceTable
    let clock: any TimeSource
    let workspaceID: String
    let totalCredits: NanoUSD
    let seed: UInt64
    let engine: CompletionEngine

    var keys: [String: SimKey] = [:]
    var order = KeyOrderIndex()
    var nextSequence = 1
    /// How many held keys carry an `expires_at` (see ``listKeys(offset:includeDisabled:includeExpired:workspace:)``).
    var expiringKeyCount = 0
    var guardrails: [String: SimGuardrail] = [:]
    var generations: [String: GenerationRecord] = [:]
    var generationsByKey: [String: [String]] = [:]
    var generationCounter = 0
    var activity = ActivityLedger()
    var accountUsage = NanoUSD.zero
    var faults: FaultSettings
    var random: SeededGenerator
    var requestCounts: [String: Int] = [:]
    /// Workspaces besides the default one (id → name), made with `POST /_sim/workspaces`.
    var workspaces: [String: String] = [:]
    /// How far `POST /_sim/clock` moved the simulator's time from its time source, in microseconds.
    var clockOffsetMicros: Int64 = 0
    /// Bumped on every change that persistence should save.
    private(set) var version = 0

    init(configuration: SimulatorConfiguration) {
        managementKeys = Set(configuration.managementKeys)
        priceTable = configuration.priceTable
        clock = configuration.timeSource
        seed = configuration.seed
        engine = CompletionEngine(seed: configuration.seed)
        totalCredits = NanoUSD(money: configuration.totalCredits)
        faults = configuration.faults
        random = SeededGenerator(seed: configuration.seed)
        var stream = DigestStream(seed: "\(configuration.seed)|workspace")
        workspaceID = Self.uuid(from: &stream)
    }

    var now: Timestamp { Timestamp(microsSinceEpoch: clock.now().microsSinceEpoch + clockOffsetMicros) }

    /// Moves the simulator's time (tests only: a day can end without waiting for it).
    func moveClock(bySeconds seconds: Int64) -> Timestamp {
        clockOffsetMicros += seconds * 1_000_000
        return now
    }

    /// Makes a workspace keys can be created in, listed by and reported for.
    func createWorkspace(named name: String) -> String {
        var stream = DigestStream(seed: "\(seed)|workspace|\(workspaces.count)|\(name)")
        let id = Self.uuid(from: &stream)
        workspaces[id] = name
        markChanged()
        return id
    }

    /// The workspace a request names: the default one when it names none. Unknown → 400.
    func workspace(_ value: String?) throws(SimFailure) -> String {
        guard let value, !value.isEmpty, value != workspaceID else { return workspaceID }
        guard workspaces[value] != nil else { throw .badRequest("workspace_id: no workspace \(value) in this account") }
        return value
    }

    func markChanged() { version += 1 }

    // MARK: Requests and faults

    func countRequest(_ route: String) { requestCounts[route, default: 0] += 1 }

    /// How many requests reached `route` (`"GET /keys"`, `"POST /chat/completions"`, …) since the
    /// last ``resetRequestCounts()``.
    public func requestCount(_ route: String) -> Int { requestCounts[route] ?? 0 }

    /// All request counts by route.
    public func allRequestCounts() -> [String: Int] { requestCounts }

    public func resetRequestCounts() { requestCounts = [:] }

    /// The faults in force.
    public func faultSettings() -> FaultSettings { faults }

    /// Replaces the faults in force.
    public func setFaults(_ settings: FaultSettings) { faults = settings }

    /// Adds fault rules after the existing ones.
    public func addFaultRules(_ rules: [FaultRule]) { faults.rules += rules }

    /// Applies the fault rules to one request, consuming counted rules that fire.
    func decideFaults(method: String, template: String) -> FaultDecision {
        var decision = FaultDecision()
        var outcomeChosen = false
        var index = 0
        while index < faults.rules.count {
            var rule = faults.rules[index]
            guard rule.matches(method: method, template: template),
                random.unit() < (rule.errorRate ?? 1)
            else {
                index += 1
                continue
            }
            decision.latencyMs += max(0, rule.latencyMs ?? 0)
            if !outcomeChosen {
                if let status = rule.errorStatus {
                    decision.outcome = .error(status: status, retryAfter: rule.retryAfter)
                    outcomeChosen = true
                } else if let hang = rule.hangMs {
                    decision.outcome = .hang(milliseconds: hang)
                    outcomeChosen = true
                } else if rule.dropAfterCommit == true {
                    decision.outcome = .dropAfterCommit
                    outcomeChosen = true
                }
            }
            if let count = rule.count {
                rule.count = count - 1
                if count <= 1 {
                    faults.rules.remove(at: index)
                    continue
                }
                faults.rules[index] = rule
            }
            index += 1
        }
        return decision
    }

    // MARK: Authentication

    /// Management endpoints: nil for a management key, else why the token may not call them (a known
    /// inference key gets 403).
    func managementRefusal(_ token: String?) -> SimFailure? {
        guard let token, !token.isEmpty else { return .missingCredentials }
        if managementKeys.contains(token) { return nil }
        if keys[KeyFingerprint.hash(ofSecret: token)] != nil { return .managementOnly }
        return .userNotFound
    }

    /// Inference and `/key`: the calling key's hash, or the reason it may not call.
    func inferenceKeyHash(_ token: String?) throws(SimFailure) -> String {
        guard let token, !token.isEmpty else { throw .missingCredentials }
        if managementKeys.contains(token) { throw .managementKeyInference }
        let hash = KeyFingerprint.hash(ofSecret: token)
        guard let key = keys[hash] else { throw .userNotFound }
        if key.disabled { throw SimFailure(status: 401, message: "API key is disabled.") }
        if key.isExpired(at: now) { throw SimFailure(status: 401, message: "API key has expired.") }
        return hash
    }

    func isManagementKey(_ token: String?) -> Bool { token.map(managementKeys.contains) ?? false }

    // MARK: Identifiers

    /// A deterministic but unguessable-without-the-seed secret for key number `sequence`.
    func secret(forSequence sequence: Int) -> String {
        let digest = SHA256.hash(data: Array("\(seed)|inference-key|\(sequence)".utf8))
        return KeyFingerprint.secretPrefix + digest.map { String(format2: $0) }.joined()
    }

    func nextGenerationID() -> String {
        generationCounter += 1
        var stream = DigestStream(seed: "\(seed)|generation|\(generationCounter)")
        let letters = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        let body = String((0..<20).map { _ in letters[Int(stream.next() % UInt64(letters.count))] })
        return "gen-\(now.microsSinceEpoch / 1_000_000)-\(body)"
    }

    static func uuid(from stream: inout DigestStream) -> String {
        let hex = (0..<2).map { _ in String(stream.next(), radix: 16) }
            .map { String(repeating: "0", count: 16 - $0.count) + $0 }.joined()
        let characters = Array(hex)
        return [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { String(characters[$0]) }.joined(separator: "-")
    }

    /// Public for tests: the number of keys held (deleted keys excluded).
    public var keyCount: Int { keys.count }
}

extension String {
    /// Two lowercase hex digits.
    init(format2 byte: UInt8) {
        let hex = String(byte, radix: 16)
        self = byte < 16 ? "0" + hex : hex
    }
}
