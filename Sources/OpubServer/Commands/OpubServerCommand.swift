import ArgumentParser
import Foundation
import Logging
import OpubCore
import OpubStore

/// `opub-server`: the service and its operator commands.
public struct OpubServerCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "opub-server",
        abstract: "opub's server: donations in, compute keys out, a public ledger in between.",
        subcommands: [
            ServeCommand.self, MigrateCommand.self, LedgerCommand.self, AdminCommand.self, ReconcileCommand.self,
            BenchCommand.self,
        ]
    )

    public init() {}
}

/// Options every command that opens the database shares.
struct DatabaseOptions: ParsableArguments {
    @Option(
        name: .customLong("database-url"),
        help:
            "sqlite://PATH or postgres://USER:PASSWORD@HOST:PORT/DB (default: $DATABASE_URL, else sqlite://./opub.sqlite)."
    )
    var databaseURL: String?

    func resolved() throws -> DatabaseURL {
        let text = databaseURL ?? ProcessInfo.processInfo.environment["DATABASE_URL"]
        guard let text, !text.isEmpty else { return .default }
        do {
            return try DatabaseURL(parsing: text)
        } catch {
            throw OperatorError(oneLine(error))
        }
    }
}

/// A failure reported to the operator as one line on stderr and a non-zero exit.
struct OperatorError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The logger operator commands use: warnings and errors only, on stderr, unless LOG_LEVEL says otherwise.
func commandLogger(_ label: String = "opub-server") -> Logger {
    var logger = Logger(label: label)
    logger.logLevel = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .warning
    return logger
}

/// Opens the store, migrating first, runs `body`, and turns any failure into one clear line.
func withMigratedStore<R: Sendable>(
    _ options: DatabaseOptions, _ body: @Sendable (Store) async throws -> R
) async throws -> R {
    let url = try options.resolved()
    do {
        return try await Store.withStore(url: url, logger: commandLogger()) { store in
            try await store.migrate()
            return try await body(store)
        }
    } catch let error as OperatorError {
        throw error
    } catch let error as ExitCode {
        throw error
    } catch {
        throw OperatorError(oneLine(error))
    }
}

/// A single-line description of an error for operators.
func oneLine(_ error: any Error) -> String {
    String(describing: error).split(whereSeparator: \.isNewline).joined(separator: " ")
}

extension OpubServerCommand {
    /// Entry point used by the executable: runs the command and maps failures to a one-line message.
    public static func run(arguments: [String] = Array(CommandLine.arguments.dropFirst())) async -> Int32 {
        do {
            var command = try parseAsRoot(arguments)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            return 0
        } catch let error as OperatorError {
            FileHandle.standardError.write(Data("opub-server: \(error.description)\n".utf8))
            return 1
        } catch {
            let code = exitCode(for: error)
            if code != .success || !(error is CleanExit) {
                let message = fullMessage(for: error)
                if !message.isEmpty {
                    FileHandle.standardError.write(Data((message.hasSuffix("\n") ? message : message + "\n").utf8))
                }
            } else {
                print(fullMessage(for: error))
            }
            return code.rawValue
        }
    }
}
