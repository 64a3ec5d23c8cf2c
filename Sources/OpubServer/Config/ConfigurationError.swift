/// A setting that stops the server from starting, described in one line that names it and says
/// what to do.
public struct ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The setting's name, as in `server.md` (`OPUB_BASE_URL`, `STRIPE_SECRET_KEY`, …).
    public let setting: String
    public let problem: String

    public init(setting: String, problem: String) {
        self.setting = setting
        self.problem = problem
    }

    static func missing(_ setting: String, _ hint: String) -> ConfigurationError {
        ConfigurationError(setting: setting, problem: "\(setting) is not set; \(hint)")
    }

    static func malformed(_ setting: String, _ shown: String, _ hint: String) -> ConfigurationError {
        ConfigurationError(setting: setting, problem: "\(setting) \(shown) is malformed: \(hint)")
    }

    public var description: String {
        problem.split(whereSeparator: \.isNewline).joined(separator: " ")
    }
}
