/// The few `git` questions `setup` and `doctor` ask.
struct GitCommands: Sendable {
    let context: CLIContext

    private var git: String? { ExecutableLookup.find("git", path: context.environment["PATH"]) }

    func run(_ arguments: [String], in directory: String) async throws -> ProcessOutput? {
        guard let git else { return nil }
        return try await context.processes.run(
            git, arguments, input: nil, environment: context.environment, directory: directory,
            timeout: .seconds(60))
    }

    /// `origin`'s URL as configured (before any `url.<base>.insteadOf` rewriting), or nil.
    func originURL(root: String) async throws -> String? {
        guard let output = try await run(["config", "--get", "remote.origin.url"], in: root), output.status == 0
        else {
            return nil
        }
        let url = output.standardOutput.trimmed
        return url.isEmpty ? nil : url
    }
}
