/// The body of `PUT /cli/sessions/{ls}`.
public struct CLISessionStart: Sendable, Hashable, Codable {
    public var keyID: String
    public var surface: String
    public var surfaceVersion: String?
    public var cliVersion: String
    public var os: String

    public init(keyID: String, surface: String, surfaceVersion: String?, cliVersion: String, os: String) {
        self.keyID = keyID
        self.surface = surface
        self.surfaceVersion = surfaceVersion
        self.cliVersion = cliVersion
        self.os = os
    }

    enum CodingKeys: String, CodingKey {
        case surface, os
        case keyID = "key_id"
        case surfaceVersion = "surface_version"
        case cliVersion = "cli_version"
    }
}

/// The body of `POST /cli/sessions/{ls}/end`.
public struct CLISessionEnd: Sendable, Hashable, Codable {
    public var exitCode: Int?
    /// `exited`, `signal`, or `failed_to_start`.
    public var reason: String

    public init(exitCode: Int?, reason: String) {
        self.exitCode = exitCode
        self.reason = reason
    }

    enum CodingKeys: String, CodingKey {
        case reason
        case exitCode = "exit_code"
    }
}

/// The JSON API's error shape: `{"error":{"code":"…","message":"…","details":{…}}}`.
public struct CLIErrorBody: Sendable, Hashable, Codable {
    public struct Detail: Sendable, Hashable, Codable {
        public var code: String
        public var message: String

        public init(code: String, message: String) {
            self.code = code
            self.message = message
        }
    }

    public var error: Detail

    public init(code: String, message: String) { self.error = Detail(code: code, message: message) }
}
