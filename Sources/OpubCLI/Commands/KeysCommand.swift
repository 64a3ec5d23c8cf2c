import ArgumentParser

/// `opub keys`: the keys this machine holds.
public struct KeysCommand: OpubSubcommand {
    public static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "List the compute keys this machine holds.")

    @OptionGroup public var global: GlobalOptions

    public init() {}

    struct Entry: Encodable {
        var id: String
        var project: String
        var name: String?
        var label: String
        var store: String
        var server: String
        var bound: [String]
    }

    public func run(in context: CLIContext) async throws {
        let support = CommandSupport(context: context, global: global)
        let configuration = try support.configStore.load()
        let entries = configuration.keys.sorted { $0.key < $1.key }.map { id, key in
            Entry(
                id: id, project: key.project, name: key.name, label: key.label, store: key.store, server: key.server,
                bound: configuration.bindings.filter { $0.key == id }.map(\.root).sorted())
        }
        if global.json {
            try context.console.emitJSON(entries)
            return
        }
        if entries.isEmpty {
            context.console.info("No keys yet: run the `opub setup` command from your project's key page.")
            return
        }
        for entry in entries {
            let bound = entry.bound.isEmpty ? "not bound" : "bound to " + entry.bound.joined(separator: ", ")
            context.console.result(
                "\(entry.id)  \(entry.project)  \(entry.name ?? "-")  \(entry.label)  \(entry.store)  \(bound)")
        }
    }
}
