import ArgumentParser
import OpubSurfaces

/// `opub`: store a compute key safely, launch coding agents funded by it, and tell opub when those
/// sessions run.
public struct OpubCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "opub",
        abstract: "Run coding agents on donated compute, linked to your open-source project.",
        discussion: """
            Start with the command the key page printed:
              opub setup claude --project owner/repo --compute-key-id ck_…
            then, in the repository:
              opub run claude
            """,
        version: InstallOrigin.versionLine(),
        subcommands: [
            SetupCommand.self, RunCommand.self, StatusCommand.self, EnvCommand.self, MCPCommand.self,
            DoctorCommand.self, RevokeCommand.self, LogoutCommand.self, KeysCommand.self, LedgerCommand.self,
        ])

    public init() {}
}

extension OpubCommand {
    /// The executable's entry point: parses the command line, runs the command against the live context,
    /// and exits with its status (help and usage errors as ArgumentParser prints them).
    public static func runMain() async -> Never {
        var command: any ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            exit(withError: error)
        }
        guard let subcommand = command as? any OpubSubcommand else {
            // `opub help <command>`, or `opub` alone: ArgumentParser's own commands print help.
            do {
                try command.run()
                exit(withError: nil)
            } catch {
                exit(withError: error)
            }
        }
        let context = CLIContext.live(quiet: subcommand.global.quiet, json: subcommand.global.json)
        let status = await execute(subcommand, in: context)
        exit(withError: status == 0 ? nil : ExitCode(status))
    }
}
