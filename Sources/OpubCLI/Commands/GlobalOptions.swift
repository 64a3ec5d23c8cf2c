import ArgumentParser

/// The options every command takes (`cli.md`).
public struct GlobalOptions: ParsableArguments, Sendable {
    @Option(name: .long, help: "The opub server (env OPUB_SERVER; default https://opub.dev).")
    public var server: String?

    @Option(
        name: .customLong("provider-url"),
        help:
            "The OpenRouter API root (env OPUB_PROVIDER_URL; default: what the server advertises, if https or loopback)."
    )
    public var providerURL: String?

    @Option(name: .customLong("config-dir"), help: "Where config.toml lives (default $XDG_CONFIG_HOME/opub).")
    public var configDirectory: String?

    @Flag(name: .long, help: "Machine-readable JSON on stdout.")
    public var json = false

    @Flag(name: [.customShort("q"), .long], help: "Only results and errors.")
    public var quiet = false

    public init() {}
}
