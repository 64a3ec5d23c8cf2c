import OpubCore
import SQLKit

/// A linked agent session: the CLI ran a coding agent on a compute key and told opub so.
///
/// Public pages show the surface, the key's name and the times; the host details (`os`,
/// `cliVersion`) are for the project's maintainers only.
public struct AgentSessionRecord: Sendable, Hashable {
    public let id: SessionID
    public let keyID: KeyID
    public let projectID: ProjectID
    public let surface: String
    public let surfaceVersion: String?
    public let cliVersion: String
    public let os: String
    public let startedAt: Timestamp
    public let lastHeartbeatAt: Timestamp
    public let endedAt: Timestamp?
    /// Why it ended: what the CLI said (`exited`, `signal`, `failed_to_start`), or `timeout` when the
    /// sweeper ended a silent session.
    public let endReason: String?
    public let exitCode: Int?
    /// The name of its key (joined in by the reads that list sessions).
    public let keyName: String?

    public var isOpen: Bool { endedAt == nil }

    /// Seconds from start to end (or to the last heartbeat while it runs).
    public var durationSeconds: Int64 {
        ((endedAt ?? lastHeartbeatAt).microsSinceEpoch - startedAt.microsSinceEpoch) / 1_000_000
    }

    public var window: SessionWindow {
        SessionWindow(id: id, startedAt: startedAt, lastHeartbeatAt: lastHeartbeatAt, endedAt: endedAt)
    }

    init(row: any SQLRow) throws {
        let idText = try row.decode(column: "id", as: String.self)
        guard let id = SessionID(idText), let key = KeyID(try row.decode(column: "key_id", as: String.self)),
            let project = ProjectID(try row.decode(column: "project_id", as: String.self))
        else { throw StoreError.corrupt("agent session '\(idText)' has a malformed id, key or project") }
        self.id = id
        self.keyID = key
        self.projectID = project
        self.surface = try row.decode(column: "surface", as: String.self)
        self.surfaceVersion = try row.decode(column: "surface_version", as: String?.self)
        self.cliVersion = try row.decode(column: "cli_version", as: String.self)
        self.os = try row.decode(column: "os", as: String.self)
        self.startedAt = Timestamp(microsSinceEpoch: try row.decode(column: "started_at", as: Int64.self))
        self.lastHeartbeatAt = Timestamp(microsSinceEpoch: try row.decode(column: "last_heartbeat_at", as: Int64.self))
        self.endedAt = try row.decode(column: "ended_at", as: Int64?.self).map(Timestamp.init(microsSinceEpoch:))
        self.endReason = try row.decode(column: "end_reason", as: String?.self)
        self.exitCode = try row.decode(column: "exit_code", as: Int?.self)
        self.keyName = row.contains(column: "key_name") ? try row.decode(column: "key_name", as: String?.self) : nil
    }
}

/// What the CLI says when it starts a session (`PUT /cli/sessions/{ls}`).
public struct AgentSessionStart: Sendable, Hashable {
    public var surface: String
    public var surfaceVersion: String?
    public var cliVersion: String
    public var os: String

    public init(surface: String, surfaceVersion: String?, cliVersion: String, os: String) {
        self.surface = surface
        self.surfaceVersion = surfaceVersion
        self.cliVersion = cliVersion
        self.os = os
    }
}
