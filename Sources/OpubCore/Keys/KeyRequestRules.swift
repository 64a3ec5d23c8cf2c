/// Why a key request was refused (`money.md`, create step 1). Each message says what to change.
public enum KeyRequestError: Error, Equatable, Sendable, CustomStringConvertible {
    case nameInvalid
    case limitNotWholeCents
    case limitBelowMinimum(minimum: Money)
    case limitAboveAvailable(available: Money)
    case projectInDebt(available: Money)
    case projectNotClaimed
    case projectSuspended
    case expiryInPast
    case expiryTooFar

    public var description: String {
        switch self {
        case .nameInvalid:
            return "A key name is 1 to 64 printable characters."
        case .limitNotWholeCents:
            return "A key limit is whole cents, for example 25.00."
        case .limitBelowMinimum(let minimum):
            return "A key limit must be at least \(minimum.formatted())."
        case .limitAboveAvailable(let available):
            return
                "The limit is more than the project has available (\(available.formatted())); choose a smaller limit."
        case .projectInDebt(let available):
            return "The project is in debt (\(available.formatted())); no key can be created until donations cover it."
        case .projectNotClaimed:
            return "The project has not been claimed by a verified maintainer yet."
        case .projectSuspended:
            return "The project is suspended; keys cannot be created."
        case .expiryInPast:
            return "The expiry must be in the future."
        case .expiryTooFar:
            return "The expiry must be within one year."
        }
    }

    /// The part of the request to change; nil when the refusal is about the project, not the request.
    public var field: KeyRequestField? {
        switch self {
        case .nameInvalid: return .name
        case .limitNotWholeCents, .limitBelowMinimum, .limitAboveAvailable: return .amount
        case .expiryInPast, .expiryTooFar: return .expiry
        case .projectInDebt, .projectNotClaimed, .projectSuspended: return nil
        }
    }

    /// A short machine-readable code for API errors.
    public var code: String {
        switch self {
        case .nameInvalid: return "invalid_key_name"
        case .limitNotWholeCents: return "invalid_limit"
        case .limitBelowMinimum: return "limit_below_minimum"
        case .limitAboveAvailable: return "insufficient_balance"
        case .projectInDebt: return "project_in_debt"
        case .projectNotClaimed: return "project_unclaimed"
        case .projectSuspended: return "project_suspended"
        case .expiryInPast, .expiryTooFar: return "invalid_expiry"
        }
    }
}

/// The checks of key creation step 1 that need no I/O.
public enum KeyRequestRules {
    public static let oneYearSeconds: Int64 = 366 * 86_400

    /// Validates a key request against the project's state at `now`.
    public static func validate(
        _ request: KeyRequest, available: Money, claimed: Bool, suspended: Bool, minimumLimit: Money, now: Timestamp
    ) throws(KeyRequestError) {
        let name = request.name
        let limit = request.limit
        guard !suspended else { throw .projectSuspended }
        guard claimed else { throw .projectNotClaimed }
        guard !available.isNegative else { throw .projectInDebt(available: available) }
        guard (1...64).contains(name.count), name.unicodeScalars.allSatisfy(isPrintable),
            !name.allSatisfy(\.isWhitespace)
        else { throw .nameInvalid }
        guard limit.isWholeCents else { throw .limitNotWholeCents }
        guard limit >= minimumLimit else { throw .limitBelowMinimum(minimum: minimumLimit) }
        guard limit <= available else { throw .limitAboveAvailable(available: available) }
        if let expiresAt = request.expiresAt {
            guard expiresAt > now else { throw .expiryInPast }
            guard expiresAt <= now.adding(seconds: oneYearSeconds) else { throw .expiryTooFar }
        }
    }

    private static func isPrintable(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned, .lineSeparator, .paragraphSeparator:
            return false
        default:
            return true
        }
    }
}
