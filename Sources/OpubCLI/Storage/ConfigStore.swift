import TOMLKit

/// Reads and writes `config.toml` (TOMLKit), atomically and with mode 0600.
public struct ConfigStore: Sendable {
    public let paths: OpubPaths

    public init(paths: OpubPaths) { self.paths = paths }

    public func load() throws -> CLIConfiguration {
        guard let text = try PrivateFiles.read(paths.configFile) else { return CLIConfiguration() }
        do {
            return try TOMLDecoder().decode(CLIConfiguration.self, from: text)
        } catch {
            throw CLIError(
                "\(paths.configFile) is not a valid opub configuration (\(error)). Fix or delete it, then run "
                    + "`opub setup` again.")
        }
    }

    public func save(_ configuration: CLIConfiguration) throws {
        let table: TOMLTable = try TOMLEncoder().encode(configuration)
        let header = "# opub CLI configuration: no secrets here (they live in \(paths.keysDirectory)).\n"
        try PrivateFiles.write(header + table.convert(to: .toml) + "\n", to: paths.configFile)
    }

    /// Loads, changes and saves.
    public func update(_ change: (inout CLIConfiguration) throws -> Void) throws {
        var configuration = try load()
        try change(&configuration)
        try save(configuration)
    }
}
