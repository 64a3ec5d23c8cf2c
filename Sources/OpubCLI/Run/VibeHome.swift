import Foundation
import TOMLKit

/// Builds the session's `VIBE_HOME` from the user's own (`$VIBE_HOME`, default `~/.vibe`):
/// `config.toml` is theirs with opub's provider, model and MCP server merged in (entries of the same
/// name replaced, opub's model made active); `trusted_folders.toml` is copied so their trust decisions
/// hold (and copied back after the session if Vibe changed it); everything else (logs, sessions,
/// history, agents, prompts, skills) is symlinked so that Vibe's own state persists.
struct VibeHome {
    let userHome: String
    let sessionHome: String

    init(environment: [String: String], sessionHome: String) {
        let home = environment["HOME"] ?? NSHomeDirectory()
        userHome = environment["VIBE_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? home + "/.vibe"
        self.sessionHome = sessionHome
    }

    static let trustFile = "trusted_folders.toml"

    func prepare(opubFragment: String) throws {
        try PrivateFiles.makeDirectory(sessionHome)
        let merged = try Self.merge(userConfig: try PrivateFiles.read(userHome + "/config.toml"), opub: opubFragment)
        try PrivateFiles.write(merged, to: sessionHome + "/config.toml", durable: false)
        if let trust = try PrivateFiles.read(userHome + "/" + Self.trustFile) {
            try PrivateFiles.write(trust, to: sessionHome + "/" + Self.trustFile, durable: false)
        }
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: userHome)) ?? []
        for entry in entries where entry != "config.toml" && entry != Self.trustFile {
            try? FileManager.default.createSymbolicLink(
                atPath: sessionHome + "/" + entry, withDestinationPath: userHome + "/" + entry)
        }
    }

    /// Copies trust decisions made during the session back to the user's Vibe home.
    func saveTrustChanges() {
        guard let after = try? PrivateFiles.read(sessionHome + "/" + Self.trustFile) else { return }
        let before = try? PrivateFiles.read(userHome + "/" + Self.trustFile)
        guard after != before, FileManager.default.fileExists(atPath: userHome) else { return }
        try? PrivateFiles.write(after, to: userHome + "/" + Self.trustFile)
    }

    /// The user's config with opub's entries: scalar keys of the fragment replace the user's; array
    /// tables (`providers`, `models`, `mcp_servers`) keep the user's entries except those with the
    /// same `name` (or `alias` for models), then add opub's.
    static func merge(userConfig: String?, opub fragment: String) throws -> String {
        let user: TOMLTable
        do {
            user = try TOMLTable(string: userConfig ?? "")
        } catch {
            throw CLIError(
                "Your Vibe config is not valid TOML (\(error)); fix it or move it aside, then run opub again.")
        }
        let opub = try TOMLTable(string: fragment)
        for (key, value) in opub {
            guard let additions = value.array, let existing = user[key]?.array else {
                user[key] = value
                continue
            }
            let merged = TOMLArray()
            let replaced = Set(additions.compactMap { identity(of: $0) })
            for entry in existing where !(identity(of: entry).map(replaced.contains) ?? false) {
                merged.append(entry)
            }
            for entry in additions { merged.append(entry) }
            user[key] = merged
        }
        return user.convert(to: .toml) + "\n"
    }

    private static func identity(of entry: any TOMLValueConvertible) -> String? {
        guard let table = entry.table else { return nil }
        return table["alias"]?.string ?? table["name"]?.string
    }
}
