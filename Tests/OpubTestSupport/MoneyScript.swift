import OpubCore

/// One step of a randomly generated money scenario. Property tests decode random integers into
/// these and apply them both to a pure model and to the real store.
public enum MoneyStep: Sendable, Hashable, CustomStringConvertible {
    case grant(Money)
    case donate(Money, fee: Money)
    /// A donation completed under a donation hold: counted in the balance, held until cleared.
    case donateHeld(Money, fee: Money)
    /// The hold of the n-th donation passes: what is still held of it becomes available.
    case clear(donationIndex: Int)
    /// Refund part of the n-th completed donation (modulo how many exist).
    case refund(donationIndex: Int, Money)
    /// Create a key reserving `limit` (refused when available < limit).
    case createKey(limit: Money)
    /// The n-th live key spends `amount`, possibly past its reservation (overshoot).
    case spend(keyIndex: Int, Money)
    /// Revoke the n-th live key: disable, spend nothing more, release what it holds, settle.
    case revoke(keyIndex: Int)
    /// Cut the n-th live key's reservation by a fraction (the reconciler's cap).
    case cap(keyIndex: Int, permille: Int)

    /// Decodes one random integer into a step with amounts of realistic sizes.
    public init(seed: Int) {
        let n = seed.magnitude
        let amount = Money(micros: Int64(n / 16 % 5_000 + 1) * Money.microsPerCent)
        let index = Int(n / 80_000 % 8)
        switch n % 18 {
        case 0, 1: self = .grant(amount)
        case 2, 3: self = .donate(amount, fee: Money(micros: amount.micros / 20 / 10_000 * 10_000))
        case 4: self = .refund(donationIndex: index, Money(micros: amount.micros / 3 + Money.microsPerCent))
        case 5, 6, 7: self = .createKey(limit: amount)
        case 8, 9, 10, 11:
            // Spend in micro-dollar precision, as providers report it.
            self = .spend(keyIndex: index, Money(micros: Int64(n / 7 % 3_000_000 + 1)))
        case 12: self = .spend(keyIndex: index, Money(micros: amount.micros * 2))
        case 13, 14: self = .revoke(keyIndex: index)
        case 15: self = .cap(keyIndex: index, permille: Int(n / 3 % 1000))
        case 16: self = .donateHeld(amount, fee: Money(micros: amount.micros / 20 / 10_000 * 10_000))
        default: self = .clear(donationIndex: index)
        }
    }

    public var description: String {
        switch self {
        case .grant(let amount): return "grant \(amount.usdString)"
        case .donate(let amount, let fee): return "donate \(amount.usdString) fee \(fee.usdString)"
        case .donateHeld(let amount, let fee): return "donate \(amount.usdString) fee \(fee.usdString), held"
        case .clear(let index): return "clear held donation #\(index)"
        case .refund(let index, let amount): return "refund #\(index) \(amount.usdString)"
        case .createKey(let limit): return "create key \(limit.usdString)"
        case .spend(let index, let amount): return "spend key #\(index) \(amount.usdString)"
        case .revoke(let index): return "revoke key #\(index)"
        case .cap(let index, let permille): return "cap key #\(index) to \(permille)‰"
        }
    }
}
