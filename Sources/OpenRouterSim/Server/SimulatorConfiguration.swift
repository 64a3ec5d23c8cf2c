import OpubCore

/// How a simulator instance behaves: who administers it, its seed, clock, prices, credits and faults.
public struct SimulatorConfiguration: Sendable {
    /// Keys accepted as management keys. The standalone program generates one when none is given.
    public var managementKeys: [String]
    /// Drives every generated secret, id and answer: the same seed and requests give the same results.
    public var seed: UInt64
    /// Where "now" comes from (limit windows, expiry, usage lag). Inject a ``ManualTimeSource`` in tests.
    public var timeSource: any TimeSource
    public var priceTable: PriceTable
    /// The account's credits (`GET /credits`); inference stops with 402 once all keys used them up.
    public var totalCredits: Money
    public var faults: FaultSettings
    /// Where to post an OTLP trace of each inference request (OpenRouter's Broadcast); nil sends none.
    public var broadcast: BroadcastSettings?

    public init(
        managementKeys: [String], seed: UInt64 = UInt64.random(in: 0...UInt64.max),
        timeSource: any TimeSource = SystemTimeSource(), priceTable: PriceTable = .standard,
        totalCredits: Money = Money(dollars: 1_000_000), faults: FaultSettings = FaultSettings(),
        broadcast: BroadcastSettings? = nil
    ) {
        self.managementKeys = managementKeys
        self.seed = seed
        self.timeSource = timeSource
        self.priceTable = priceTable
        self.totalCredits = totalCredits
        self.faults = faults
        self.broadcast = broadcast
    }

    /// A random management key in the provider's format.
    public static func generateManagementKey() -> String {
        var generator = SystemRandomNumberGenerator()
        let hex = (0..<32).map { _ in String(format2: UInt8.random(in: 0...255, using: &generator)) }.joined()
        return "sk-or-v1-" + hex
    }
}
