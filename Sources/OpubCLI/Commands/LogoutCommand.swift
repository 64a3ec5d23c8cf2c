import ArgumentParser

/// `opub logout`: forgets local secrets and bindings. The key itself stays active.
public struct LogoutCommand: OpubSubcommand {
    public static let configuration = CommandConfiguration(
        commandName: "logout", abstract: "Forget keys on this machine (they stay active; see `opub revoke`).")

    @Option(help: "The key (default: the one bound to this repository).")
    var key: String?

    @Flag(help: "Forget every key this machine holds.")
    var all = false

    @OptionGroup public var global: GlobalOptions

    public init() {}

    public func run(in context: CLIContext) async throws {
        let support = CommandSupport(context: context, global: global)
        let configuration = try support.configStore.load()
        let keyIDs: [String]
        if all {
            keyIDs = configuration.keys.keys.sorted()
        } else {
            keyIDs = [try support.resolveKey(explicit: key, in: configuration).0.rawValue]
        }
        try await LocalKeys(support: support).forget(keyIDs)
        if global.json {
            try context.console.emitJSON(["forgotten": keyIDs])
            return
        }
        for keyID in keyIDs {
            context.console.result(
                "Forgot \(keyID) on this machine. The key is still active at opub; `opub revoke` (before logout) "
                    + "or the project's keys page stops it.")
        }
        if keyIDs.isEmpty { context.console.result("This machine holds no keys.") }
    }
}
