import OpubCore

/// The paths of the CLI routes (`server.md`, "CLI"), under the JSON API root `/api/v1`. Every call is
/// authenticated with `Authorization: Bearer <link token>` (``LinkToken``).
public enum CLIRoutes {
    public static let apiRoot = "/api/v1"

    /// `GET`: the key's state, limits, project, recommended models (``CLIKeyStatus``).
    public static func key(_ keyID: KeyID) -> String { "\(apiRoot)/cli/keys/\(keyID)" }
    /// `POST` → 202: revoke the key (the kill switch).
    public static func revoke(_ keyID: KeyID) -> String { "\(apiRoot)/cli/keys/\(keyID)/revoke" }
    /// `PUT` ``CLISessionStart`` → 201, idempotent.
    public static func session(_ sessionID: SessionID) -> String { "\(apiRoot)/cli/sessions/\(sessionID)" }
    /// `POST` → 204, or 409 `key_disabled`.
    public static func heartbeat(_ sessionID: SessionID) -> String { "\(session(sessionID))/heartbeat" }
    /// `POST` ``CLISessionEnd`` → 204.
    public static func end(_ sessionID: SessionID) -> String { "\(session(sessionID))/end" }
}
