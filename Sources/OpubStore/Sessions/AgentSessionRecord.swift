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

/// A position in a newest-first list ordered by a time and an id.
public struct TimeCursor: Sendable, Hashable {
    public let time: Int64
    public let id: String
    let prefix: Character

    public var encoded: String { "\(prefix)\(time).\(id)" }

    init(prefix: Character, time: Int64, id: String) {
        self.prefix = prefix
        self.time = time
        self.id = id
    }

    /// Parses a cursor issued with `prefix`; `validID` checks the id part.
    init(decoding text: String, prefix: Character, validID: (String) -> Bool) throws(StoreError) {
        let parts = text.dropFirst().split(separator: ".", omittingEmptySubsequences: false)
        guard text.first == prefix, parts.count == 2, let time = Int64(parts[0]), validID(String(parts[1])) else {
            throw StoreError.notFound("The cursor '\(text)' is not one this server issued; start from the first page.")
        }
        self.init(prefix: prefix, time: time, id: String(parts[1]))
    }

    /// A cursor over agent sessions.
    public static func sessions(decoding text: String) throws(StoreError) -> TimeCursor {
        try TimeCursor(decoding: text, prefix: "s") { SessionID($0) != nil }
    }
}
