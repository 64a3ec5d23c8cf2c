/// Public donor attribution: a display name or anonymous, and an optional short message. Shown on
/// public pages, so it is validated here (lengths, no control or bidirectional-override characters)
/// and escaped wherever it is written out (HTML-escaped in pages; `<`, `>`, `&` escaped in JSON).
public struct DonationAttribution: Sendable, Hashable {
    public static let maximumNameLength = 64
    public static let maximumMessageLength = 280

    /// Nil when anonymous.
    public let displayName: String?
    public let message: String?
    public var isAnonymous: Bool { displayName == nil }

    /// Validates what the donor typed. `defaultName` (their GitHub login) is used when they give no
    /// name and do not ask to be anonymous.
    public init(
        displayName: String?, anonymous: Bool?, message: String?, defaultName: String
    ) throws(APIError) {
        let name = displayName?.trimmingSpaces()
        if anonymous == true, let name, !name.isEmpty {
            throw .badRequest(
                "conflicting_fields", "Give attribution.display_name or set attribution.anonymous to true, not both.",
                details: ["field": .string("attribution.display_name")])
        }
        if anonymous == true {
            self.displayName = nil
        } else if let name {
            try Self.check(name, field: "attribution.display_name", maximum: Self.maximumNameLength, allowEmpty: false)
            self.displayName = name
        } else {
            self.displayName = defaultName
        }
        if let message = message?.trimmingSpaces(), !message.isEmpty {
            try Self.check(message, field: "attribution.message", maximum: Self.maximumMessageLength, allowEmpty: true)
            self.message = message
        } else {
            self.message = nil
        }
    }

    static func check(_ text: String, field: String, maximum: Int, allowEmpty: Bool) throws(APIError) {
        guard allowEmpty || !text.isEmpty else {
            throw .badRequest(
                "invalid_attribution", "\(field) must not be empty; leave it out to use your GitHub login.",
                details: ["field": .string(field)])
        }
        guard text.count <= maximum else {
            throw .badRequest(
                "invalid_attribution", "\(field) must be at most \(maximum) characters (it has \(text.count)).",
                details: ["field": .string(field)])
        }
        guard !text.unicodeScalars.contains(where: isForbidden) else {
            throw .badRequest(
                "invalid_attribution", "\(field) must not contain control characters or line breaks.",
                details: ["field": .string(field)])
        }
    }

    /// Control characters, and the invisible ones that reorder or hide text.
    static func isForbidden(_ scalar: Unicode.Scalar) -> Bool {
        if scalar == "\u{200D}" { return false }  // the zero-width joiner inside emoji sequences
        switch scalar.properties.generalCategory {
        case .control, .format, .lineSeparator, .paragraphSeparator, .surrogate, .unassigned, .privateUse:
            return true
        default:
            return false
        }
    }
}
