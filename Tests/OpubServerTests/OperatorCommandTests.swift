import OpubCore
import OpubServer
import OpubStore
import OpubTestSupport
import Testing

@Suite("Operator commands", .serialized)
struct OperatorCommandTests {
    @Test("grant, verify, and a tampered ledger makes verify exit 1")
    func grantAndVerify() async throws {
        let url = try await makeTestDatabase(.sqlite)
        defer { Task { try? await dropTestDatabase(url) } }
        let database = ["--database-url", url.description]
        #expect(await OpubServerCommand.run(arguments: ["admin", "project", "create", "acme/tools"] + database) == 0)
        #expect(await OpubServerCommand.run(arguments: ["admin", "project", "create", "acme/tools"] + database) == 1)
        #expect(
            await OpubServerCommand.run(
                arguments: ["admin", "grant", "acme/tools", "25.00", "--memo", "Launch"] + database)
                == 0)
        #expect(
            await OpubServerCommand.run(
                arguments: ["admin", "grant", "acme/tools", "25.00", "--memo", "Again", "--idempotency-key", "k1"]
                    + database) == 0)
        #expect(
            await OpubServerCommand.run(
                arguments: ["admin", "grant", "acme/tools", "25.00", "--memo", "Again", "--idempotency-key", "k1"]
                    + database) == 0)
        for bad in ["25.001", "abc", "0"] {
            #expect(
                await OpubServerCommand.run(arguments: ["admin", "grant", "acme/tools", bad, "--memo", "x"] + database)
                    == 1)
        }
        // A negative amount reads as an unknown option: a usage error.
        #expect(
            await OpubServerCommand.run(arguments: ["admin", "grant", "acme/tools", "-3", "--memo", "x"] + database)
                != 0)
        #expect(
            await OpubServerCommand.run(arguments: ["admin", "grant", "nobody/here", "1", "--memo", "x"] + database)
                == 1)
        #expect(await OpubServerCommand.run(arguments: ["ledger", "verify"] + database) == 0)
        #expect(
            await OpubServerCommand.run(arguments: ["ledger", "verify", "--project", "acme/tools"] + database) == 0)

        let balance = try await Store.withStore(url: url, logger: quietLogger()) { store in
            let project = try await store.projects.require(named: try RepositoryName(parsing: "acme/tools"))
            try await store.engine.read { db in
                try await db.raw("DROP TRIGGER ledger_transactions_no_update").run()
                try await db.raw("UPDATE ledger_transactions SET memo = 'forged' WHERE sequence = 2").run()
            }
            return try await store.projects.balances(project.id).available
        }
        #expect(balance == Money(dollars: 50))
        #expect(await OpubServerCommand.run(arguments: ["ledger", "verify"] + database) == 1)
    }

    @Test("a malformed DATABASE_URL is one clear failure")
    func badURL() async {
        #expect(await OpubServerCommand.run(arguments: ["migrate", "--database-url", "mysql://x"]) == 1)
        #expect(await OpubServerCommand.run(arguments: ["reconcile"]) == 1)
    }
}
