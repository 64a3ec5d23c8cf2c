import Foundation
import Logging
import OpubCore
import OpubStore

// A test fixture for the black-box tests: does through the store what no public route offers yet.
// Usage:
//   opub-test-fixture reserve DATABASE_URL owner/repo 15.00   → prints the new (provisioning) key id
//   opub-test-fixture reserve-many DATABASE_URL owner/repo 1.00 COUNT
//       → COUNT concurrent reservations (group-committed); prints `try ck_…` before each is submitted
//         and `ok ck_…` once it is acknowledged, flushing each line, so a test can kill it mid-batch.
let arguments = Array(CommandLine.arguments.dropFirst())
let usage =
    "usage: opub-test-fixture reserve DATABASE_URL owner/repo AMOUNT | reserve-many DATABASE_URL owner/repo AMOUNT COUNT\n"
guard arguments.count >= 4, arguments[0] == "reserve" || (arguments[0] == "reserve-many" && arguments.count == 5)
else {
    FileHandle.standardError.write(Data(usage.utf8))
    exit(2)
}

/// Writes `line` to standard output at once (the reader may kill this process any moment).
@Sendable func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

do {
    let url = try DatabaseURL(parsing: arguments[1])
    let name = try RepositoryName(parsing: arguments[2])
    let amount = try Money.parse(arguments[3])
    var logger = Logger(label: "opub-test-fixture")
    logger.logLevel = .error
    if arguments[0] == "reserve" {
        let key = try await Store.withStore(url: url, logger: logger) { store in
            let project = try await store.projects.require(named: name)
            return try await store.keys.reserveNewKey(in: project.id, KeyRequest(name: "e2e fixture", limit: amount))
        }
        print(key.id)
    } else {
        let count = Int(arguments[4]) ?? 0
        try await Store.withStore(url: url, logger: logger) { store in
            let project = try await store.projects.require(named: name)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<count {
                    group.addTask {
                        let id = KeyID.random()
                        say("try \(id)")
                        do {
                            _ = try await store.keys.reserveNewKey(
                                in: project.id, KeyRequest(name: "batch \(index)", limit: amount), id: id)
                            say("ok \(id)")
                        } catch {
                            say("refused \(id)")
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
    }
} catch {
    FileHandle.standardError.write(Data("opub-test-fixture: \(error)\n".utf8))
    exit(1)
}
