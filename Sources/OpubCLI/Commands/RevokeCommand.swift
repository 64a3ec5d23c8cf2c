import ArgumentParser
import OpubCore

/// `opub revoke`: the kill switch. Revokes the key at opub through the link token, then forgets it here.
public struct RevokeCommand: OpubSubcommand {
    public static let configuration = CommandConfiguration(
        commandName: "revoke", abstract: "Revoke the key at opub (it stops working), then delete it here.")

    @Option(help: "The key (default: the one bound to this repository).")
    var key: String?

    @OptionGroup public var global: GlobalOptions

    public init() {}

    public func run(in context: CLIContext) async throws {
        let support = CommandSupport(context: context, global: global)
        let configuration = try support.configStore.load()
        let (keyID, stored) = try support.resolveKey(explicit: key, in: configuration)
        let secret = try await support.loadSecret(keyID, stored)
        let server = try support.server(for: stored, configuration: configuration)
        do {
            try await support.serverClient(server: server, secret: secret, keyID: keyID).revoke(keyID)
        } catch {
            throw CLIError(
                "Could not revoke \(keyID): \(error) The key still works and stays on this machine; try again, or "
                    + "revoke it on \(server)/github/\(stored.project)/keys.")
        }
        try await LocalKeys(support: support).forget([keyID.rawValue])
        if global.json {
            try context.console.emitJSON(["revoked": keyID.rawValue])
        } else {
            context.console.result("Revoked \(keyID) (\(stored.label)) and deleted it from this machine.")
        }
    }
}
