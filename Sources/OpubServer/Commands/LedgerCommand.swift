import ArgumentParser
import OpubCore
import OpubStore

struct LedgerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledger", abstract: "Inspect the ledger.", subcommands: [VerifyCommand.self])

    struct VerifyCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify",
            abstract: "Recompute every hash chain and check the money invariants; exit 1 naming the first violation.")

        @OptionGroup var database: DatabaseOptions

        @Option(help: "Check only this project (owner/repo).")
        var project: String?

        func run() async throws {
            let name = try project.map { text in
                do { return try RepositoryName(parsing: text) } catch { throw OperatorError(oneLine(error)) }
            }
            let result = try await withMigratedStore(database) { store in
                var id: ProjectID?
                if let name { id = try await store.projects.require(named: name).id }
                return try await LedgerVerifier(store: store).verify(project: id)
            }
            if let first = result.violations.first {
                let more = result.violations.count > 1 ? " (and \(result.violations.count - 1) more)" : ""
                throw OperatorError("ledger verification failed: \(first)\(more)")
            }
            print(
                "Ledger verified: \(result.projectsChecked) project(s), \(result.transactionsChecked) transaction(s), all 7 invariants hold."
            )
        }
    }
}
