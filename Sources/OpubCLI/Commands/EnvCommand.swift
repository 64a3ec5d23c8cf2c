import ArgumentParser
import Foundation
import OpenRouter
import OpubCore
import OpubSurfaces

/// `opub env <surface>`: the environment, arguments and headers for a custom setup, the secret masked
/// unless `--reveal`. An agent configured through files (Vibe's home, Continue's config, Claude Code's
/// MCP config, …) gets them written to `~/.local/share/opub/env/{ck}/{surface}` (0600, no secret in
/// them: the key stays in the environment), and the printed variables and arguments point there by
/// absolute path, so what is printed runs the agent on its own, without `opub run` (no linked session).
public struct EnvCommand: OpubSubcommand {
    public static let configuration = CommandConfiguration(
        commandName: "env", abstract: "Print the environment and headers an agent needs, for custom setups.")

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case sh, fish, dotenv, json
    }

    @Argument(help: "The agent: \(Surface.allCases.map(\.rawValue).joined(separator: ", ")).")
    var surface: Surface

    @Option(help: "sh, fish, dotenv or json.")
    var format: Format = .sh

    @Flag(help: "Print the secret itself instead of its mask.")
    var reveal = false

    @Option(help: "The key (default: the one bound to this repository).")
    var key: String?

    @Option(help: "The model (default: opub's recommendation for this agent).")
    var model: String?

    @OptionGroup public var global: GlobalOptions

    public init() {}

    public func run(in context: CLIContext) async throws {
        let support = CommandSupport(context: context, global: global)
        let configuration = try support.configStore.load()
        let (keyID, stored) = try support.resolveKey(explicit: key, in: configuration)
        guard let repository = try? RepositoryName(parsing: stored.project) else {
            throw CLIError("config.toml names an invalid project for \(keyID): '\(stored.project)'.")
        }
        let shown = reveal ? try await support.loadSecret(keyID, stored) : stored.label
        let providerURL = try support.providerURL(advertised: stored.providerURL, configuration: configuration)
        let chosenModel = model ?? stored.models?[surface.rawValue]
        let directory = support.paths.envDirectory(for: keyID.rawValue, surface: surface.rawValue)
        let plan = LaunchTable.advancedPlan(
            for: surface, repository: repository, keyID: keyID, providerBaseURL: providerURL, model: chosenModel,
            opubExecutable: context.opubExecutable, configDirectory: directory)
        let variables = plan.resolvedEnvironment(secret: shown)
        let headers = LaunchTable.rawHeaders(repository: repository)
        let arguments = plan.arguments
        if !plan.files.isEmpty {
            let written = SessionDirectory(path: directory)
            try written.create()
            _ = try written.write(plan, environment: context.environment)
            context.console.info(
                "opub: wrote \(plan.files.map(\.relativePath).joined(separator: ", ")) in \(directory) (no secret in them)"
            )
        }
        let command = ([surface.program] + arguments).map(ShellWord.quoted).joined(separator: " ")
        let argumentsNote =
            arguments.isEmpty
            ? nil : "# run \(surface.program) with these arguments: \(command)"
        if !reveal { context.console.info("opub: the secret is masked; add --reveal to print it") }
        if !surface.sendsHeaders {
            context.console.info("opub: \(surface.displayName) cannot send the attribution headers")
        }
        switch global.json ? .json : format {
        case .json:
            let object = JSONValue.object([
                ("environment", .object(variables.map { ($0.name, .string($0.value)) })),
                ("headers", JSONValue.headers(headers)),
                ("arguments", .array(arguments.map { .string($0) })),
            ])
            context.console.result(object.rendered(pretty: true))
        case .sh:
            for (name, value) in variables { context.console.result("export \(name)=\(Self.singleQuoted(value))") }
            context.console.result("# headers: " + headers.map(\.line).joined(separator: "; "))
            if let argumentsNote { context.console.result(argumentsNote) }
        case .fish:
            for (name, value) in variables { context.console.result("set -gx \(name) \(Self.singleQuoted(value))") }
            context.console.result("# headers: " + headers.map(\.line).joined(separator: "; "))
            if let argumentsNote { context.console.result(argumentsNote) }
        case .dotenv:
            for (name, value) in variables { context.console.result("\(name)=\(JSONValue.quoted(value))") }
            context.console.result("# headers: " + headers.map(\.line).joined(separator: "; "))
            if let argumentsNote { context.console.result(argumentsNote) }
        }
    }

    static func singleQuoted(_ text: String) -> String { ShellWord.singleQuoted(text) }
}
