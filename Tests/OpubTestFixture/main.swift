import Foundation
import Logging
import OpubCore
import OpubStore

// A test fixture for the black-box tests in Tests/e2e: does through the store what no public route
// offers yet. Usage:
//   opub-test-fixture reserve DATABASE_URL owner/repo 15.00   → prints the new (provisioning) key id
let arguments = Array(CommandLine.arguments.dropFirst())
guard arguments.count == 4, arguments[0] == "reserve" else {
    FileHandle.standardError.write(Data("usage: opub-test-fixture reserve DATABASE_URL owner/repo AMOUNT\n".utf8))
    exit(2)
}
do {
    let url = try DatabaseURL(parsing: arguments[1])
    let name = try RepositoryName(parsing: arguments[2])
    let amount = try Money.parse(arguments[3])
    var logger = Logger(label: "opub-test-fixture")
    logger.logLevel = .error
    let key = try await Store.withStore(url: url, logger: logger) { store in
        let project = try await store.projects.require(named: name)
        return try await store.keys.reserveNewKey(in: project.id, KeyRequest(name: "e2e fixture", limit: amount))
    }
    print(key.id)
} catch {
    FileHandle.standardError.write(Data("opub-test-fixture: \(error)\n".utf8))
    exit(1)
}
