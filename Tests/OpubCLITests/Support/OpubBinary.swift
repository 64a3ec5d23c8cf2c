import Dispatch
import Foundation
import OpubCLI

/// The built `opub` executable (`.build/debug/opub`), run as a real process for the tests that need
/// signals, a process group, and a real terminal-less child.
enum OpubBinary {
    static var path: String {
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        if let override = ProcessInfo.processInfo.environment["OPUB_TEST_BINARY"] { return override }
        return packageRoot.path + "/.build/debug/opub"
    }

    static var exists: Bool { FileManager.default.isExecutableFile(atPath: path) }
}

/// A running `opub` in its own process group, its stdout and stderr going to files.
struct RunningOpub: Sendable {
    let pid: pid_t
    let outputPath: String
    let errorPath: String

    /// Starts `opub arguments…` in `directory` with exactly `environment`.
    static func start(
        _ arguments: [String], environment: [String: String], directory: String, logs: String
    ) throws -> RunningOpub {
        let outputPath = logs + "/opub-\(UUID().uuidString.prefix(6)).out"
        let errorPath = logs + "/opub-\(UUID().uuidString.prefix(6)).err"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, errorPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Its own process group, so that a group signal reaches opub and its agent but not the tests.
        posix_spawnattr_setpgroup(&attributes, 0)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for number in [SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGPIPE] { sigaddset(&defaults, number) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attributes, &mask)
        posix_spawnattr_setflags(
            &attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        // `env -C` changes directory and execs opub in the same process (same pid).
        let argv = (["/usr/bin/env", "-C", directory, OpubBinary.path] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, "/usr/bin/env", &actions, &attributes, argv, envp)
        guard result == 0, OpubBinary.exists else {
            throw CLIError("could not start \(OpubBinary.path) (\(result)); build it: swift build --product opub")
        }
        return RunningOpub(pid: pid, outputPath: outputPath, errorPath: errorPath)
    }

    /// Waits for the exit status (128 + signal when killed); kills the group after `timeout`.
    func wait(timeout: Duration = .seconds(60)) async -> Int32 {
        let pid = self.pid
        let watchdog = Task {
            try await Task.sleep(for: timeout)
            kill(-pid, SIGKILL)
        }
        defer { watchdog.cancel() }
        let status: Int32 = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                var status: Int32 = 0
                while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
                continuation.resume(returning: status)
            }
        }
        return AgentExit(waitStatus: status).shellStatus
    }

    var output: String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }
    var error: String { (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? "" }

    /// Runs to completion.
    static func run(
        _ arguments: [String], environment: [String: String], directory: String, logs: String,
        timeout: Duration = .seconds(60)
    ) async throws -> (status: Int32, output: String, error: String) {
        let running = try start(arguments, environment: environment, directory: directory, logs: logs)
        let status = await running.wait(timeout: timeout)
        return (status, running.output, running.error)
    }
}

/// Polls `condition` every 50 ms until it holds or `timeout` passes.
func eventually(timeout: Duration = .seconds(20), _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(50))
    }
    return try await condition()
}
