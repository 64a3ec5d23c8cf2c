import ArgumentParser
import Foundation
import OpenRouter
import OpubCore
import OpubSurfaces

/// `opub doctor`: one line per check, ✓ or ✗ with the fix. Exits 1 when a required check fails.
public struct DoctorCommand: OpubSubcommand {
    public static let configuration = CommandConfiguration(
        commandName: "doctor", abstract: "Check files, keys, connectivity, agents, and the repository for leaks.")

    @Option(help: "The key (default: the one bound to this repository).")
    var key: String?

    @OptionGroup public var global: GlobalOptions

    public init() {}

    public func run(in context: CLIContext) async throws {
        let support = CommandSupport(context: context, global: global)
        var checks: [DoctorCheck] = []
        checks += fileChecks(support.paths)
        let configuration = try support.configStore.load()
        let root = GitWorkTree.root(containing: context.currentDirectory)

        var resolved: (KeyID, StoredKey)?
        do {
            resolved = try support.resolveKey(explicit: key, in: configuration)
        } catch let error as CLIError {
            checks.append(
                .fail("key", error.message, fix: "opub setup <surface> --project owner/repo --compute-key-id ck_…"))
        }
        if let (keyID, stored) = resolved {
            checks += await keyChecks(support, keyID, stored, configuration: configuration)
        }
        if let server = try? support.server(for: resolved?.1, configuration: configuration) {
            if let check = await versionCheck(support, server: server) { checks.append(check) }
        }
        for surface in Surface.allCases {
            checks.append(await surfaceCheck(surface, context))
        }
        if let root {
            checks += try await repositoryChecks(context, root: root)
        }

        if global.json {
            try context.console.emitJSON(checks)
        } else {
            for check in checks {
                var line = "\(context.console.mark(check.ok)) \(check.name): \(check.detail)"
                if let fix = check.fix, !check.ok { line += " — \(fix)" }
                context.console.result(line)
            }
        }
        if checks.contains(where: { !$0.ok && !$0.optional }) { throw ExitCode(1) }
    }

    func fileChecks(_ paths: OpubPaths) -> [DoctorCheck] {
        var checks: [DoctorCheck] = []
        func expect(_ path: String, _ mode: UInt16, _ what: String) {
            guard let actual = PrivateFiles.mode(of: path) else { return }
            if actual & 0o077 == 0 {
                checks.append(.pass(what, "\(path) is \(String(actual, radix: 8))"))
            } else {
                checks.append(
                    .fail(
                        what, "\(path) is \(String(actual, radix: 8)), readable by others",
                        fix: "chmod \(String(mode, radix: 8)) \(path)"))
            }
        }
        expect(paths.configDirectory, 0o700, "config directory")
        expect(paths.configFile, 0o600, "config file")
        expect(paths.dataDirectory, 0o700, "data directory")
        expect(paths.keysDirectory, 0o700, "keys directory")
        let secrets = (try? FileManager.default.contentsOfDirectory(atPath: paths.keysDirectory)) ?? []
        for name in secrets.sorted() where name.hasPrefix("ck_") {
            expect(paths.keysDirectory + "/" + name, 0o600, "secret file")
        }
        for (what, directory) in [("config directory", paths.configDirectory), ("data directory", paths.dataDirectory)]
        {
            if let root = GitWorkTree.root(containing: directory) {
                checks.append(
                    .fail(
                        "\(what) location", "\(directory) is inside the git work tree \(root)",
                        fix: "move it outside (XDG_CONFIG_HOME / XDG_DATA_HOME / --config-dir) and run setup again"))
            }
        }
        return checks
    }

    func keyChecks(
        _ support: CommandSupport, _ keyID: KeyID, _ stored: StoredKey, configuration: CLIConfiguration
    ) async -> [DoctorCheck] {
        var checks: [DoctorCheck] = []
        let secret: String
        do {
            secret = try await support.loadSecret(keyID, stored)
            checks.append(.pass("secret", "\(keyID) (\(stored.label)) is stored (\(stored.store))"))
        } catch {
            checks.append(
                .fail(
                    "secret", "\(keyID) has no secret on this machine",
                    fix: "run the `opub setup` command from the key page again"))
            return checks
        }
        do {
            let providerURL = try support.providerURL(advertised: stored.providerURL, configuration: configuration)
            let info = try await ProviderKeyCheck.currentKey(secret: secret, providerURL: providerURL)
            if let remaining = info.limitRemaining, !remaining.isPositive {
                checks.append(
                    .fail("provider", "the key has no limit left", fix: "ask the project for a new key"))
            } else {
                let left = info.limitRemaining.map { "\($0) left" } ?? "no limit"
                checks.append(.pass("provider", "OpenRouter accepts the key (\(left))"))
            }
        } catch {
            checks.append(
                .fail(
                    "provider", ProviderKeyCheck.explain(error, providerURL: stored.providerURL ?? "OpenRouter"),
                    fix: "check --provider-url, or create a new key"))
        }
        do {
            let server = try support.server(for: stored, configuration: configuration)
            let status = try await support.serverClient(server: server, secret: secret, keyID: keyID).keyStatus(keyID)
            if status.key.state == "active" {
                checks.append(.pass("opub", "\(server) is reachable and \(keyID) is active"))
            } else {
                checks.append(
                    .fail(
                        "opub", "\(keyID) is \(status.key.state)\(status.key.disabledReason.map { " (\($0))" } ?? "")",
                        fix: "create a new key on the project's keys page"))
            }
        } catch {
            checks.append(.fail("opub", "\(error)", fix: "check --server / OPUB_SERVER and your network"))
        }
        return checks
    }

    /// What the server distributes (`GET /downloads/opub`), against this CLI's version: an older CLI
    /// gets the one-line upgrade. Silent when the server does not distribute the CLI or cannot be reached
    /// (the `opub` check reports reachability).
    func versionCheck(_ support: CommandSupport, server: String) async -> DoctorCheck? {
        struct Listing: Decodable {
            let version: String
            let installCommand: String
            enum CodingKeys: String, CodingKey {
                case version
                case installCommand = "install_command"
            }
        }
        let exchange = HTTPExchange(method: "GET", url: server + "/downloads/opub", timeout: .seconds(5))
        guard let answer = try? await support.context.http.send(exchange), answer.status == 200,
            let listing = try? JSONDecoder().decode(Listing.self, from: Data(answer.body)),
            let theirs = DottedVersion(listing.version), let ours = DottedVersion(OpubVersion.current)
        else { return nil }
        if ours < theirs {
            return .fail(
                "cli version",
                "opub \(OpubVersion.current) is older than the \(listing.version) that \(server) distributes",
                fix: "upgrade: \(listing.installCommand)", optional: true)
        }
        return .pass("cli version", "opub \(OpubVersion.current) (\(server) distributes \(listing.version))")
    }

    func surfaceCheck(_ surface: Surface, _ context: CLIContext) async -> DoctorCheck {
        guard let program = ExecutableLookup.find(surface.program, path: context.environment["PATH"]) else {
            return .fail(
                surface.rawValue, "\(surface.program) is not installed", fix: surface.installHint, optional: true)
        }
        let version = (try? await SurfaceVersion.read(program: program, context: context)) ?? nil
        return .pass(surface.rawValue, "\(surface.program) \(version ?? "(version unknown)")")
    }

    func repositoryChecks(_ context: CLIContext, root: String) async throws -> [DoctorCheck] {
        var checks: [DoctorCheck] = []
        let findings = try await LeakScanner(git: GitCommands(context: context)).scan(root: root)
        if findings.isEmpty {
            checks.append(
                .pass(
                    "leak scan",
                    "no sk-or-v1- key in tracked files or the last \(LeakScanner.historyDepth) commits of \(root)"))
        }
        for finding in findings {
            checks.append(
                .fail(
                    "leak scan", "a key (\(finding.label)) is committed at \(finding.place)",
                    fix: "revoke it now: `opub revoke`"))
        }
        return checks
    }
}
