import ArgumentParser
import OpubStore

struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate", abstract: "Create or upgrade the database schema (safe to run on every start).")

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let url = try database.resolved()
        let pending = try await withMigratedStore(database) { store in
            try await Migrator(engine: store.engine).pending()
        }
        guard pending.isEmpty else { throw OperatorError("migrations \(pending) are still pending") }
        print("Database \(url) is at schema version \(Migration.all.map(\.version).max() ?? 0).")
    }
}
