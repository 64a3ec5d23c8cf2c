import Foundation
import OpubCore

/// Everything a command touches outside its own arguments: environment, working directory, terminal,
/// HTTP, processes, clock. Commands run against a context so that tests drive them in process with
/// temporary directories, a recorded console and a stand-in server (as swiftly does).
public struct CLIContext: Sendable {
    /// The process environment; XDG and `HOME` in it decide where opub stores things.
    public var environment: [String: String]
    public var currentDirectory: String
    public var console: Console
    public var input: any SecretInput
    public var http: any HTTPTransport
    public var processes: any ProcessRunner
    public var agents: any AgentLauncher
    public var clock: any TimeSource
    /// The absolute path of this `opub` executable (registered as the agents' MCP server).
    public var opubExecutable: String

    public init(
        environment: [String: String], currentDirectory: String, console: Console, input: any SecretInput,
        http: any HTTPTransport, processes: any ProcessRunner, agents: any AgentLauncher,
        clock: any TimeSource = SystemTimeSource(), opubExecutable: String
    ) {
        self.environment = environment
        self.currentDirectory = currentDirectory
        self.console = console
        self.input = input
        self.http = http
        self.processes = processes
        self.agents = agents
        self.clock = clock
        self.opubExecutable = opubExecutable
    }

    /// The real process: its environment, cwd, terminal, network and children.
    public static func live(quiet: Bool = false, json: Bool = false) -> CLIContext {
        let environment = ProcessInfo.processInfo.environment
        return CLIContext(
            environment: environment, currentDirectory: FileManager.default.currentDirectoryPath,
            console: Console(sink: StandardStreams(), environment: environment, quiet: quiet, json: json),
            input: TerminalSecretInput(), http: AsyncHTTPTransport(), processes: FoundationProcessRunner(),
            agents: SpawnedAgentLauncher(), opubExecutable: Self.currentExecutablePath())
    }

    /// `/proc/self/exe` resolved, falling back to `argv[0]`.
    static func currentExecutablePath() -> String {
        if let resolved = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            return resolved
        }
        let first = CommandLine.arguments.first ?? "opub"
        guard first.contains("/") else { return first }
        return URL(fileURLWithPath: first).standardizedFileURL.path
    }
}
