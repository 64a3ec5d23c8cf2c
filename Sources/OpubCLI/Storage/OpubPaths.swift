import Foundation

/// Where opub keeps things (`cli.md`, "Where things live"), from the XDG variables:
/// config in `$XDG_CONFIG_HOME/opub` (or `--config-dir`), secrets in `$XDG_DATA_HOME/opub/keys`,
/// per-session files in `$XDG_RUNTIME_DIR/opub` (or a 0700 directory under the temp dir).
public struct OpubPaths: Sendable, Hashable {
    public var configDirectory: String
    public var dataDirectory: String
    public var runtimeDirectory: String

    public init(environment: [String: String], configDirectoryOverride: String? = nil) {
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        func xdg(_ name: String, _ fallback: String) -> String {
            // The XDG spec: relative values are invalid and ignored.
            if let value = environment[name], value.hasPrefix("/") { return value }
            return home + "/" + fallback
        }
        configDirectory = configDirectoryOverride ?? (xdg("XDG_CONFIG_HOME", ".config") + "/opub")
        dataDirectory = xdg("XDG_DATA_HOME", ".local/share") + "/opub"
        if let runtime = environment["XDG_RUNTIME_DIR"], runtime.hasPrefix("/") {
            runtimeDirectory = runtime + "/opub"
        } else {
            let temporary = environment["TMPDIR"].flatMap { $0.hasPrefix("/") ? $0 : nil } ?? "/tmp"
            runtimeDirectory = temporary + "/opub-\(getuid())"
        }
    }

    public var configFile: String { configDirectory + "/config.toml" }
    public var keysDirectory: String { dataDirectory + "/keys" }

    /// Where `opub env` writes a custom setup's config files for one key and agent (no secret in them).
    public func envDirectory(for keyID: String, surface: String) -> String {
        dataDirectory + "/env/" + keyID + "/" + surface
    }

    public func secretFile(for keyID: String) -> String { keysDirectory + "/" + keyID }

    public func sessionDirectory(for sessionID: String) -> String { runtimeDirectory + "/" + sessionID }
}
