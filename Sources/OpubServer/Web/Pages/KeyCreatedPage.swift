import Hummingbird
import OpubCore
import OpubSurfaces

/// The key creation result: the answer to the create form's `POST`, never a page of its own (no URL
/// can show it again), sent with `Cache-Control: no-store`. It shows the secret once, with a copy button
/// and the warning, then everything needed to use the key, all from ``KeyCreationConfigs`` (built from
/// the CLI's launch table, the single source of truth `opub run` launches from): the
/// `opub setup <surface> …` command per surface, the CLI install line, and the advanced configs
/// (environment variables per surface, raw OpenRouter headers).
struct KeyCreatedPage {
    let dependencies: AppDependencies

    struct Model {
        let fullName: String
        let keysPath: String
        let keyName: String
        let keyID: String
        let limit: String
        let expires: TimeView?
        let secret: String
        let installLine: String
        let surfaces: [SurfaceSetup]
        let headers: [HeaderLine]
        /// For a rotation: the key the new one replaces.
        let replaces: String?
    }

    struct SurfaceSetup {
        let name: String
        let displayName: String
        let setupCommand: String
        let runCommand: String
        let installHint: String
        let environment: [Variable]
        let sendsHeaders: Bool
        /// The program with the arguments a custom setup passes it (Codex's provider block), if any.
        let commandLine: String?
        /// Configured through files: `opub env` writes them.
        let configuredByFiles: Bool
    }

    struct Variable {
        let name: String
        let value: String
        /// Set to the empty string on purpose (`ANTHROPIC_API_KEY`), which the page says in words.
        let empty: Bool
    }

    struct HeaderLine {
        let line: String
    }

    func respond(_ created: CreatedComputeKey, request: Request, identity: SignedIn) throws -> Response {
        let configs = created.configs
        let surfaces = Surface.allCases.map { surface in
            SurfaceSetup(
                name: surface.rawValue, displayName: surface.displayName,
                setupCommand: configs.setupCommands[surface.rawValue] ?? "", runCommand: "opub run \(surface.rawValue)",
                installHint: surface.installHint,
                environment: (configs.environment[surface.rawValue] ?? [:]).sorted { $0.key < $1.key }.map {
                    Variable(name: $0.key, value: $0.value, empty: $0.value.isEmpty)
                }, sendsHeaders: surface.sendsHeaders,
                commandLine: configs.arguments[surface.rawValue].map {
                    ([surface.program] + $0).map(ShellWord.quoted).joined(separator: " ")
                }, configuredByFiles: configs.configuredByFiles.contains(surface.rawValue))
        }
        let model = Model(
            fullName: created.project.description, keysPath: WebProject.path(created.project) + "/keys",
            keyName: created.key.name, keyID: created.key.id.rawValue,
            limit: created.key.allowance.map { allowance in
                "\(allowance.formatted()) per month (this month: \(created.key.reserved.formatted()); renews on "
                    + "\(created.key.allowanceMonth?.renewsOn.iso8601 ?? "the 1st"))"
            } ?? created.key.limit.formatted(),
            expires: created.key.expiresAt.map { TimeView($0) }, secret: created.secret,
            installLine: dependencies.installCommand, surfaces: surfaces,
            headers: configs.headers.sorted { $0.key < $1.key }.map { HeaderLine(line: "\($0.key): \($0.value)") },
            replaces: created.key.replaces?.rawValue)
        let verb = created.key.replaces == nil ? "created" : "rotated"
        return try PageResponder(configuration: dependencies.configuration).render(
            "pages/key-created", title: "Key \(created.key.name) \(verb)", content: model, request: request,
            identity: identity, section: .me, status: .created, caching: .noStore)
    }
}
