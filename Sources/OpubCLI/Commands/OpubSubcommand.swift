import ArgumentParser
import Foundation

/// A command that runs against an injected ``CLIContext``.
public protocol OpubSubcommand: AsyncParsableCommand {
    var global: GlobalOptions { get }
    func run(in context: CLIContext) async throws
}

extension OpubSubcommand {
    public mutating func run() async throws {
        let context = CLIContext.live(quiet: global.quiet, json: global.json)
        let status = await OpubCommand.execute(self, in: context)
        if status != 0 { throw ExitCode(status) }
    }
}

extension OpubCommand {
    /// Runs a parsed command and turns failures into an exit status and one line on stderr.
    public static func execute(_ command: any OpubSubcommand, in context: CLIContext) async -> Int32 {
        do {
            try await command.run(in: context)
            return 0
        } catch let error as CLIError {
            context.console.warn(error.message)
            return error.exitCode
        } catch let exit as ExitCode {
            return exit.rawValue
        } catch {
            context.console.warn("\(error)")
            return 1
        }
    }

    /// Parses `arguments` and runs the command in `context`: the whole CLI, in process, for tests.
    public static func run(arguments: [String], in context: CLIContext) async -> Int32 {
        do {
            var parsed = try OpubCommand.parseAsRoot(arguments)
            guard let command = parsed as? any OpubSubcommand else {
                try parsed.run()
                return 0
            }
            var adjusted = context
            adjusted.console = Console(
                sink: context.console.sink, environment: context.environment, quiet: command.global.quiet,
                json: command.global.json)
            return await execute(command, in: adjusted)
        } catch {
            let message = OpubCommand.fullMessage(for: error)
            let status = OpubCommand.exitCode(for: error).rawValue
            if status == 0 {
                context.console.result(message)
            } else {
                context.console.warn(message)
            }
            return status
        }
    }
}
