import Foundation

/// `session.json` in the session directory: what `opub mcp` and `opub status` know about a running
/// session. It holds the link token (which can link sessions and revoke, never spend) and never the
/// provider secret.
public struct SessionRecord: Sendable, Hashable, Codable {
    public var sessionID: String
    public var keyID: String
    public var project: String
    public var surface: String
    public var server: String
    public var linkToken: String
    public var linked: Bool
    public var startedAt: String
    public var pid: Int32
    public var model: String?

    public init(
        sessionID: String, keyID: String, project: String, surface: String, server: String, linkToken: String,
        linked: Bool, startedAt: String, pid: Int32, model: String?
    ) {
        self.sessionID = sessionID
        self.keyID = keyID
        self.project = project
        self.surface = surface
        self.server = server
        self.linkToken = linkToken
        self.linked = linked
        self.startedAt = startedAt
        self.pid = pid
        self.model = model
    }

    enum CodingKeys: String, CodingKey {
        case project, surface, server, linked, pid, model
        case sessionID = "session_id"
        case keyID = "key_id"
        case linkToken = "link_token"
        case startedAt = "started_at"
    }

    public static let fileName = "session.json"

    public func write(to directory: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try PrivateFiles.write(Array(try encoder.encode(self)), to: directory + "/" + Self.fileName, durable: false)
    }

    public static func read(from directory: String) throws -> SessionRecord? {
        guard let text = try PrivateFiles.read(directory + "/" + fileName) else { return nil }
        return try JSONDecoder().decode(SessionRecord.self, from: Data(text.utf8))
    }

    /// Removes session directories whose `opub run` is gone (killed before it could clean up), since
    /// their `session.json` holds a link token.
    public static func removeStale(in runtimeDirectory: String) {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: runtimeDirectory)) ?? []
        for name in entries where name.hasPrefix("ls_") {
            let directory = runtimeDirectory + "/" + name
            guard let record = try? read(from: directory) else { continue }
            if kill(record.pid, 0) != 0 && errno == ESRCH { PrivateFiles.remove(directory) }
        }
    }

    /// Running sessions under `runtimeDirectory` (their `opub run` is still alive).
    public static func running(in runtimeDirectory: String) -> [SessionRecord] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: runtimeDirectory)) ?? []
        return entries.filter { $0.hasPrefix("ls_") }.sorted().compactMap { name in
            guard let record = try? read(from: runtimeDirectory + "/" + name) else { return nil }
            return kill(record.pid, 0) == 0 || errno == EPERM ? record : nil
        }
    }
}
