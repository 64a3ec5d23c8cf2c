/// What is unusual about a key's use (OpenRouter's own key advice, automated): spend with no linked
/// session running, a model or provider it never used before, one interval's spend above a share of
/// its limit, expiry within a week, and revocation because its maintainer lost access.
public enum KeyAlertKind: String, Sendable, Hashable, CaseIterable, Codable {
    case directUse = "direct_use"
    case newModel = "new_model"
    case spike
    case expiring
    case lostAccess = "lost_access"
    /// The key revoked itself: its direct-use spend passed the threshold its maintainer set.
    case autoRevoked = "auto_revoked"
}

/// An alert about to be recorded. `dedupeKey` makes each one happen once (per spend transaction, per
/// model, per key for expiry).
public struct KeyAlertDraft: Sendable, Hashable {
    public let kind: KeyAlertKind
    public let keyID: KeyID
    public let projectID: ProjectID
    public let message: String
    public let amount: Money?
    public let dedupeKey: String

    public init(
        kind: KeyAlertKind, keyID: KeyID, projectID: ProjectID, message: String, amount: Money? = nil,
        dedupeKey: String
    ) {
        self.kind = kind
        self.keyID = keyID
        self.projectID = projectID
        self.message = message
        self.amount = amount
        self.dedupeKey = dedupeKey
    }
}

/// The alert rules, with no I/O.
public enum KeyAlertRules {
    /// Expiry this close is worth saying (7 days).
    public static let expiringWithinSeconds: Int64 = 7 * 86_400
    /// The default spike threshold: one reconcile interval's spend above 25 % of the key's limit.
    public static let defaultSpikeBasisPoints = 2_500

    /// Whether one interval's `spend` is a spike for a key with `limit`.
    public static func isSpike(spend: Money, limit: Money, shareBasisPoints: Int) -> Bool {
        guard limit.isPositive, spend.isPositive, shareBasisPoints > 0 else { return false }
        // Both sides in micro-dollars × basis points: 10¹² µ$ × 10⁴ stays far inside Int64.
        return spend.micros * 10_000 > limit.micros * Int64(shareBasisPoints)
    }

    /// Whether a key whose direct-use spend is `directUse` revokes itself (threshold set and passed).
    public static func revokesItself(directUse: Money, threshold: Money?) -> Bool {
        guard let threshold, threshold.isPositive else { return false }
        return directUse > threshold
    }

    /// The models (or providers) used today that the key never used on an earlier day. Nothing on the
    /// key's first day of use: a new key's first model is not unusual.
    public static func newlyUsed(_ today: Set<String>, before known: Set<String>) -> [String] {
        known.isEmpty ? [] : today.subtracting(known).sorted()
    }

    /// Whether an active key expiring at `expiresAt` should be flagged at `now`.
    public static func expiresSoon(_ expiresAt: Timestamp?, now: Timestamp) -> Bool {
        guard let expiresAt else { return false }
        return expiresAt > now && expiresAt <= now.adding(seconds: expiringWithinSeconds)
    }
}
