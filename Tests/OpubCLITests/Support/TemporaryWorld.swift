import Foundation
import OpubCLI

/// A throwaway home for one test: `HOME`, XDG directories, a git repository whose origin is
/// `octo/widgets`, a `bin` directory on `PATH` for stand-in agents, and a directory they record into.
struct TemporaryWorld: Sendable {
    let root: String

    init() throws {
        let base = FileManager.default.temporaryDirectory.path + "/opub-cli-test-" + UUID().uuidString.prefix(8)
        root = base
        for directory in [home, configHome, dataHome, runtimeDirectory, bin, repository, records] {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        try shell("git init -q -b main && git remote add origin https://github.com/octo/widgets.git", in: repository)
    }

    var home: String { root + "/home" }
    var configHome: String { root + "/home/.config" }
    var dataHome: String { root + "/home/.local/share" }
    var runtimeDirectory: String { root + "/run" }
    var bin: String { root + "/bin" }
    var repository: String { root + "/work/widgets" }
    var records: String { root + "/records" }

    var paths: OpubPaths { OpubPaths(environment: environment) }

    var environment: [String: String] {
        [
            "HOME": home, "XDG_CONFIG_HOME": configHome, "XDG_DATA_HOME": dataHome,
            "XDG_RUNTIME_DIR": runtimeDirectory, "PATH": bin + ":/usr/local/bin:/usr/bin:/bin",
            "OPUB_TEST_RECORD": records, "NO_COLOR": "1", "LANG": "C.UTF-8",
            "GIT_CONFIG_GLOBAL": root + "/gitconfig", "GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "t@example.com",
            "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "t@example.com",
        ]
    }

    /// A context for running commands in process, with recorded output.
    func context(
        directory: String? = nil, standardInput: String = "", environment extra: [String: String] = [:]
    ) -> (CLIContext, RecordedOutput) {
        let output = RecordedOutput()
        let environment = self.environment.merging(extra) { $1 }
        let context = CLIContext(
            environment: environment, currentDirectory: directory ?? repository,
            console: Console(sink: output, environment: environment, quiet: false, json: false),
            input: FixedSecretInput(standardInput: standardInput), http: AsyncHTTPTransport(),
            processes: FoundationProcessRunner(), agents: SpawnedAgentLauncher(),
            opubExecutable: OpubBinary.path)
        return (context, output)
    }

    /// Runs `opub arguments…` in process.
    func opub(
        _ arguments: [String], in directory: String? = nil, standardInput: String = "",
        environment extra: [String: String] = [:]
    ) async -> (status: Int32, output: String, error: String) {
        let (context, recorded) = self.context(directory: directory, standardInput: standardInput, environment: extra)
        let status = await OpubCommand.run(arguments: arguments, in: context)
        return (status, recorded.output, recorded.error)
    }

    /// Writes an executable stand-in program into `bin`.
    func installProgram(_ name: String, script: String) throws {
        let path = bin + "/" + name
        try script.write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o755)
    }

    @discardableResult
    func shell(_ command: String, in directory: String? = nil) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        process.currentDirectoryURL = URL(fileURLWithPath: directory ?? root)
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0 else {
            throw CLIError("`\(command)` failed (\(process.terminationStatus)): \(text)")
        }
        return text
    }

    func read(_ path: String) -> String? {
        FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) }
    }

    func remove() { try? FileManager.default.removeItem(atPath: root) }
}
