import ArgumentParser
import OpubCore
import OpubStore

struct AdminCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "admin", abstract: "Operator actions.",
        subcommands: [GrantCommand.self, ProjectCommand.self, RefundCommand.self])

    struct GrantCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "grant",
            abstract:
                "Credit a project from the operator's grants (e.g. `grant owner/repo 25.00 --memo \"Launch credit\"`).")

        @OptionGroup var database: DatabaseOptions

        @Argument(help: "The project, owner/repo.")
        var project: String

        @Argument(help: "Dollars with at most 2 decimals, e.g. 25.00.")
        var amount: String

        @Option(help: "Public text shown on the ledger.")
        var memo: String

        @Option(help: "Makes a retried command safe: the same key credits once. Default: a fresh key.")
        var idempotencyKey: String?

        func run() async throws {
            let name: RepositoryName
            let money: Money
            do { name = try RepositoryName(parsing: project) } catch { throw OperatorError(oneLine(error)) }
            do { money = try Money.parse(amount) } catch { throw OperatorError(oneLine(error)) }
            guard money.isPositive else { throw OperatorError("A grant must be more than $0.00.") }
            let trimmedMemo = memo.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !trimmedMemo.isEmpty, trimmedMemo.count <= 200 else {
                throw OperatorError("--memo must be 1 to 200 characters; it is shown publicly on the ledger.")
            }
            let key = idempotencyKey.map { "grant:\($0)" } ?? "grant:\(TransactionID.random().rawValue)"
            let (result, available) = try await withMigratedStore(database) { store in
                let record = try await store.projects.require(named: name)
                let result = try await store.ledger.post(
                    .grant(amount: money), to: record.id, idempotencyKey: key, memo: trimmedMemo)
                let balances = try await store.projects.balances(record.id)
                return (result, balances.available)
            }
            let verb = result.replayed ? "Already granted" : "Granted"
            print(
                "\(verb) \(money.formatted()) to \(name) (\(result.transaction.id)); available is now "
                    + "\(available.formatted())."
            )
        }
    }

    struct ProjectCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "project", abstract: "Manage project pages.", subcommands: [CreateCommand.self])

        struct CreateCommand: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "create",
                abstract: "Create an unclaimed project page that can take donations until a maintainer claims it.")

            @OptionGroup var database: DatabaseOptions

            @Argument(help: "The project, owner/repo.")
            var project: String

            func run() async throws {
                let name: RepositoryName
                do { name = try RepositoryName(parsing: project) } catch { throw OperatorError(oneLine(error)) }
                let record = try await withMigratedStore(database) { store in
                    try await store.projects.create(name)
                }
                print("Created the unclaimed project page for \(record.name) (\(record.id)).")
            }
        }
    }
}
