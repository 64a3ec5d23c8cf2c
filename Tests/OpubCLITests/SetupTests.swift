import Foundation
import OpubCLI
import OpubCore
import Testing

@Suite("opub setup")
struct SetupTests {
    @Test("stores the secret in a 0600 file in a 0700 directory, binds the repository, prints the next command")
    func storesAndBinds() async throws {
        try await withCLIWorld { world in
            let result = await world.setup("claude")
            #expect(result.status == 0, "\(result.error)")
            #expect(result.output.contains("Next: opub run claude"))
            #expect(!result.output.contains(world.secret) && !result.error.contains(world.secret))

            let paths = world.temp.paths
            let secretFile = paths.secretFile(for: world.keyID.rawValue)
            #expect(world.temp.read(secretFile) == world.secret + "\n")
            #expect(PrivateFiles.mode(of: secretFile) == 0o600)
            #expect(PrivateFiles.mode(of: paths.keysDirectory) == 0o700)
            #expect(PrivateFiles.mode(of: paths.dataDirectory) == 0o700)
            #expect(PrivateFiles.mode(of: paths.configFile) == 0o600)

            let configuration = try ConfigStore(paths: paths).load()
            let stored = try #require(configuration.keys[world.keyID.rawValue])
            #expect(stored.project == "octo/widgets")
            #expect(stored.providerURL == world.providerURL)
            #expect(stored.models?["claude"] == "anthropic/claude-sonnet-4.6")
            #expect(stored.heartbeatIntervalSeconds == 1)
            #expect(
                configuration.bindings == [
                    RepositoryBinding(
                        root: world.temp.repository, remote: "https://github.com/octo/widgets.git",
                        key: world.keyID.rawValue)
                ])
            let configText = try #require(world.temp.read(paths.configFile))
            #expect(!configText.contains(world.secret))
        }
    }

    @Test("running setup again updates the binding instead of adding one")
    func rerunUpdatesBinding() async throws {
        try await withCLIWorld { world in
            #expect(await world.setup("claude").status == 0)
            #expect(await world.setup("codex").status == 0)
            let configuration = try ConfigStore(paths: world.temp.paths).load()
            #expect(configuration.bindings.count == 1)
            #expect(configuration.keys.count == 1)
        }
    }

    @Test("setting up another agent on a key this machine already holds asks for nothing and keeps its server")
    func anotherSurfaceReusesTheSecret() async throws {
        try await withCLIWorld { world in
            #expect(await world.setup("claude").status == 0)
            // No --key-stdin, no OPUB_PROVIDER_KEY, no terminal: the stored secret is used.
            let result = await world.opub(
                ["setup", "codex", "--project", "octo/widgets", "--compute-key-id", world.keyID.rawValue])
            #expect(result.status == 0, "\(result.error)")
            #expect(result.error.contains("using the secret already stored for \(world.keyID)"))
            #expect(result.output.contains("Next: opub run codex"))
            let stored = try #require(try ConfigStore(paths: world.temp.paths).load().keys[world.keyID.rawValue])
            #expect(stored.server == world.serverURL)
            #expect(stored.store == "file")
        }
    }

    @Test("rejects a malformed key without contacting anyone, and never echoes it")
    func malformedKey() async throws {
        try await withCLIWorld { world in
            let pasted = "sk-or-v1-not-a-real-key-0123456789"
            let result = await world.opub(
                [
                    "setup", "claude", "--project", "octo/widgets", "--compute-key-id", world.keyID.rawValue,
                    "--key-stdin",
                ],
                standardInput: pasted)
            #expect(result.status == 1)
            #expect(result.error.contains("is not an OpenRouter key"))
            #expect(result.error.contains("64 hex digits"))
            #expect(!result.error.contains(pasted))
            #expect(await world.server.requests.isEmpty)
            #expect(!FileManager.default.fileExists(atPath: world.temp.paths.keysDirectory))
        }
    }

    @Test("rejects a key the provider refuses (GET /key answers 401)")
    func providerRefusesKey() async throws {
        try await withCLIWorld { world in
            // A well-formed key the simulator never issued, which opub (the stand-in) does know.
            let unknown = "sk-or-v1-" + String(repeating: "0f", count: 32)
            let otherKey = KeyID.random()
            await world.server.addKey(otherKey, secret: unknown, project: "octo/widgets")
            let result = await world.opub(
                ["setup", "claude", "--project", "octo/widgets", "--compute-key-id", otherKey.rawValue, "--key-stdin"],
                standardInput: unknown)
            #expect(result.status == 1)
            #expect(result.error.contains("OpenRouter refuses this key (401)"))
            #expect(!FileManager.default.fileExists(atPath: world.temp.paths.secretFile(for: otherKey.rawValue)))
        }
    }

    @Test("rejects a key of another project")
    func keyOfAnotherProject() async throws {
        try await withCLIWorld { world in
            let result = await world.opub(
                [
                    "setup", "claude", "--project", "octo/gadgets", "--compute-key-id", world.keyID.rawValue,
                    "--key-stdin",
                ], standardInput: world.secret)
            #expect(result.status == 1)
            #expect(result.error.contains("belongs to octo/widgets, not octo/gadgets"))
            #expect(!FileManager.default.fileExists(atPath: world.temp.paths.keysDirectory))
        }
    }

    @Test("rejects a compute key id opub does not know with this secret")
    func unknownKeyID() async throws {
        try await withCLIWorld { world in
            let result = await world.opub(
                ["setup", "claude", "--project", "octo/widgets", "--compute-key-id", "ck_nosuchkey", "--key-stdin"],
                standardInput: world.secret)
            #expect(result.status == 1)
            #expect(result.error.contains("does not know key ck_nosuchkey"))
        }
    }

    @Test("refuses a config directory inside a git work tree")
    func configInsideWorkTree() async throws {
        try await withCLIWorld { world in
            let inside = world.temp.repository + "/.opub-config"
            let result = await world.opub(
                [
                    "setup", "claude", "--project", "octo/widgets", "--compute-key-id", world.keyID.rawValue,
                    "--key-stdin", "--config-dir", inside,
                ], standardInput: world.secret)
            #expect(result.status == 1)
            #expect(result.error.contains("inside the git work tree \(world.temp.repository)"))
            #expect(!FileManager.default.fileExists(atPath: inside))

            let dataInside = await world.opub(
                [
                    "setup", "claude", "--project", "octo/widgets", "--compute-key-id", world.keyID.rawValue,
                    "--key-stdin",
                ],
                standardInput: world.secret, environment: ["XDG_DATA_HOME": world.temp.repository + "/data"])
            #expect(dataInside.status == 1)
            #expect(dataInside.error.contains("The data directory"))
        }
    }

    @Test("a remote naming another repository needs --force")
    func remoteMismatchNeedsForce() async throws {
        try await withCLIWorld { world in
            try world.temp.shell(
                "git remote set-url origin git@github.com:someone/fork-of-other.git", in: world.temp.repository)
            let refused = await world.setup("claude")
            #expect(refused.status == 1)
            #expect(refused.error.contains("origin is someone/fork-of-other"))
            #expect(refused.error.contains("--force"))
            let forced = await world.setup("claude", extra: ["--force"])
            #expect(forced.status == 0, "\(forced.error)")
        }
    }

    @Test("refuses a plain-http server that is not loopback")
    func refusesCleartextServer() async throws {
        try await withCLIWorld { world in
            let result = await world.opub(
                [
                    "setup", "claude", "--project", "octo/widgets", "--compute-key-id", world.keyID.rawValue,
                    "--key-stdin", "--server", "http://opub.example.com",
                ], standardInput: world.secret)
            #expect(result.status == 1)
            #expect(result.error.contains("neither https:// nor a loopback address"))
        }
    }

    @Test("reads the key from OPUB_PROVIDER_KEY, and reports a missing agent with how to install it")
    func keyFromEnvironment() async throws {
        try await withCLIWorld { world in
            let result = await world.opub(
                ["setup", "vibe", "--project", "octo/widgets", "--compute-key-id", world.keyID.rawValue],
                environment: ["OPUB_PROVIDER_KEY": world.secret])
            #expect(result.status == 0, "\(result.error)")
            #expect(result.error.contains("vibe is not installed; install it with: pipx install mistral-vibe"))
        }
    }
}
