import Dispatch
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// How an agent process ended.
public struct AgentExit: Sendable, Hashable {
    /// The exit status, or nil when a signal killed it.
    public var code: Int32?
    public var signal: Int32?

    /// What `opub run` exits with: the child's status, or 128 + the signal.
    public var shellStatus: Int32 { code ?? (128 + (signal ?? 0)) }

    /// Decodes a `waitpid` status.
    public init(waitStatus: Int32) {
        if waitStatus & 0x7f == 0 {
            code = (waitStatus >> 8) & 0xff
            signal = nil
        } else {
            code = nil
            signal = waitStatus & 0x7f
        }
    }

    public init(code: Int32?, signal: Int32?) {
        self.code = code
        self.signal = signal
    }
}

/// Starts an agent that owns the terminal and waits for it.
public protocol AgentLauncher: Sendable {
    /// Starts `executable` (absolute path) in the current directory with exactly `environment`, the
    /// terminal inherited, and returns when it exits. `onStart` runs as soon as the child exists.
    func run(
        executable: String, arguments: [String], environment: [String: String], onStart: @Sendable () -> Void
    ) async throws -> AgentExit
}

/// Why an agent could not start.
public struct AgentStartError: Error, CustomStringConvertible {
    public var program: String
    public var code: Int32

    public var description: String {
        "could not start \(program): \(String(cString: strerror(code)))"
    }
}

/// The real launcher: `posix_spawn` with the child in opub's process group (so Ctrl-C reaches it), the
/// child's signal dispositions and mask reset to defaults, SIGINT and SIGQUIT ignored by opub while
/// the child runs, SIGTERM and SIGHUP forwarded to the child.
public struct SpawnedAgentLauncher: AgentLauncher {
    public init() {}

    public func run(
        executable: String, arguments: [String], environment: [String: String], onStart: @Sendable () -> Void
    ) async throws -> AgentExit {
        // Ctrl-C and Ctrl-\ go to the whole foreground process group: the agent decides what they mean.
        signal(SIGINT, SIG_IGN)
        signal(SIGQUIT, SIG_IGN)
        let forwarder = SignalForwarder(signals: [SIGTERM, SIGHUP])
        defer { forwarder.stop() }

        let pid = try Self.spawn(executable: executable, arguments: arguments, environment: environment)
        forwarder.attach(to: pid)
        onStart()
        let status = await Self.wait(for: pid)
        return AgentExit(waitStatus: status)
    }

    static func spawn(executable: String, arguments: [String], environment: [String: String]) throws -> pid_t {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        // SIGPIPE too: the Swift runtime ignores it, and an ignored disposition survives exec.
        for number in [SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGPIPE, SIGCHLD] { sigaddset(&defaults, number) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, nil, &attributes, argv, envp)
        guard result == 0 else { throw AgentStartError(program: executable, code: result) }
        return pid
    }

    /// Waits on a dispatch thread, so that no Swift concurrency thread blocks.
    static func wait(for pid: pid_t) async -> Int32 {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                var status: Int32 = 0
                while waitpid(pid, &status, 0) == -1 {
                    if errno != EINTR {
                        status = 127 << 8
                        break
                    }
                }
                continuation.resume(returning: status)
            }
        }
    }
}
