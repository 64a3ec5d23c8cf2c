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
