import OpubSurfaces

/// Asks an installed agent for its version (`program --version`, first line).
enum SurfaceVersion {
    static func read(program: String, context: CLIContext) async throws -> String? {
        let output = try await context.processes.run(
            program, ["--version"], input: nil, environment: context.environment, directory: nil,
            timeout: .seconds(10))
        guard output.status == 0 else { return nil }
        let line = output.standardOutput.split(separator: "\n").first.map(String.init)?.trimmed ?? ""
        return line.isEmpty ? nil : String(line.prefix(80))
    }
}

/// Agent builds opub cannot drive, refused before launch with the version needed.
enum SurfaceRequirement {
    /// The first dotted number in a `--version` line (`opencode 1.1.70` → 1.1.70).
    static func version(in line: String) -> DottedVersion? {
        line.split(whereSeparator: { $0 == " " || $0 == "v" || $0 == "(" || $0 == ")" })
            .lazy.compactMap { DottedVersion(String($0)) }.first { $0.parts.count >= 2 }
    }

    /// Why `surface` at `versionLine` cannot run through opub, or nil when it can (or the version is unknown).
    static func refusal(_ surface: Surface, versionLine: String?) -> String? {
        guard surface == .opencode, let line = versionLine, let version = version(in: line),
            let minimum = DottedVersion(OpenCodeLaunch.minimumVersion), version < minimum
        else { return nil }
        return "OpenCode \(line) is too old for opub: it does not substitute {env:…} in OPENCODE_CONFIG_CONTENT, "
            + "so it would send the placeholder instead of the key. opub needs OpenCode "
            + "\(OpenCodeLaunch.minimumVersion) or newer: upgrade it (\(surface.installHint)) and run it again."
    }
}
