import Foundation
import OpubCLI
import Testing

@Suite("opub keys, env, status, revoke, logout")
struct KeyCommandsTests {
    @Test("keys lists what this machine holds, masked, with bindings")
    func keys() async throws {
        try await withCLIWorld { world in
            #expect(await world.setup("claude").status == 0)
            let text = await world.opub(["keys"])
            #expect(text.status == 0)
            #expect(text.output.contains(world.keyID.rawValue) && text.output.contains("octo/widgets"))
            #expect(text.output.contains("bound to \(world.temp.repository)"))
            #expect(!text.output.contains(world.secret))
            let json = await world.opub(["keys", "--json"])
            let entries = try #require(
                try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [[String: Any]])
            #expect(entries.first?["id"] as? String == world.keyID.rawValue)
        }
    }

    @Test("env masks the secret unless --reveal, in sh, fish, dotenv and json")
    func environment() async throws {
        try await withCLIWorld { world in
            #expect(await world.setup("copilot").status == 0)
            let masked = await world.opub(["env", "copilot"])
            #expect(masked.status == 0)
            #expect(!masked.output.contains(world.secret))
            #expect(masked.output.contains("export COPILOT_PROVIDER_API_KEY='sk-or-v1-"))
            #expect(masked.output.contains("export COPILOT_PROVIDER_BASE_URL='\(world.providerURL)'"))
            #expect(masked.error.contains("--reveal"))
            let revealed = await world.opub(["env", "copilot", "--reveal", "--format", "dotenv"])
            #expect(revealed.output.contains("COPILOT_PROVIDER_API_KEY=\"\(world.secret)\""))
            let fish = await world.opub(["env", "claude", "--format", "fish"])
            #expect(fish.output.contains("set -gx ANTHROPIC_API_KEY ''"))
            let json = await world.opub(["env", "opencode", "--format", "json"])
            let object = try #require(
                try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any])
            let headers = object["headers"] as? [String: String]
            #expect(headers?["HTTP-Referer"] == "https://opub.dev/github/octo/widgets")
            #expect(object["arguments"] as? [String] == [])
        }
    }

    @Test("env codex gives the provider block as -c arguments, not only the key variable")
    func codexArguments() async throws {
        try await withCLIWorld { world in
            #expect(await world.setup("codex").status == 0)
            let sh = await world.opub(["env", "codex"])
            #expect(sh.output.contains("export OPENROUTER_API_KEY='sk-or-v1-"))
            let note = try #require(
                sh.output.split(separator: "\n").first { $0.hasPrefix("# run codex") })
            #expect(note.contains("'model_provider=\"opub\"'"))
            #expect(note.contains("base_url = \"\(world.providerURL)\""))
            #expect(note.contains("env_key = \"OPENROUTER_API_KEY\""))
            #expect(note.contains("mcp_servers.opub="))
            #expect(!note.contains("--session-dir"))
            let json = await world.opub(["env", "codex", "--format", "json"])
            let object = try #require(
                try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any])
            let arguments = try #require(object["arguments"] as? [String])
            #expect(arguments.first == "-c" && arguments.contains("model_provider=\"opub\""))
        }
    }

    @Test("env for a file-configured agent writes its config by absolute path, with no secret in it")
    func fileConfiguredAgents() async throws {
        try await withCLIWorld { world in
            #expect(await world.setup("vibe").status == 0)
            let vibe = await world.opub(["env", "vibe", "--format", "json"])
            #expect(vibe.status == 0, "\(vibe.error)")
            let object = try #require(
                try JSONSerialization.jsonObject(with: Data(vibe.output.utf8)) as? [String: Any])
            let home = try #require((object["environment"] as? [String: String])?["VIBE_HOME"])
            #expect(home.hasPrefix("/") && home.hasSuffix("/env/\(world.keyID)/vibe/vibe-home"))
            let config = try String(contentsOfFile: home + "/config.toml", encoding: .utf8)
            #expect(config.contains("api_base = '\(world.providerURL)'"))
            #expect(config.contains("api_key_env_var = 'OPENROUTER_API_KEY'"))
            #expect(!config.contains(world.secret))
            let mode = try FileManager.default.attributesOfItem(atPath: home + "/config.toml")[.posixPermissions]
            #expect((mode as? Int).map { $0 & 0o077 } == 0)
            #expect(vibe.error.contains("no secret in them"))

            #expect(await world.setup("continue").status == 0)
            let cn = await world.opub(["env", "continue"])
            let note = try #require(sh(cn.output).first { $0.hasPrefix("# run cn") })
            let path = try #require(note.split(separator: " ").last)
            #expect(path.hasPrefix("/"))
            let yaml = try String(contentsOfFile: String(path), encoding: .utf8)
            #expect(yaml.contains("apiBase: \"\(world.providerURL)\""))
            #expect(yaml.contains("${{ secrets.OPUB_PROVIDER_KEY }}") && !yaml.contains(world.secret))
        }
    }

    private func sh(_ output: String) -> [Substring] { output.split(separator: "\n") }

    @Test("status shows the key's budget from opub and the provider, and running sessions")
    func status() async throws {
        try await withCLIWorld { world in
            #expect(await world.setup("claude").status == 0)
            let result = await world.opub(["status"])
            #expect(result.status == 0, "\(result.error)")
            #expect(result.output.contains("state     active"))
            #expect(result.output.contains("opub      limit $20.00, spent $1.25, remaining $18.75"))
            #expect(result.output.contains("provider  limit $20.00, spent $0.00, remaining $20.00"))
            #expect(result.output.contains("project   $75.00 available"))
            #expect(result.output.contains("session   none running"))
            let json = await world.opub(["status", "--json"])
            let object = try #require(
                try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any])
            #expect(object["state"] as? String == "active")
        }
    }

    @Test("outside a bound repository, commands say how to bind one")
    func unbound() async throws {
        try await withCLIWorld { world in
            #expect(await world.setup("claude").status == 0)
            let result = await world.opub(["status"], in: world.temp.home)
            #expect(result.status == 1)
            #expect(result.error.contains("Not inside a git repository"))
            #expect(result.error.contains("--key"))
            let explicit = await world.opub(["status", "--key", world.keyID.rawValue], in: world.temp.home)
            #expect(explicit.status == 0, "\(explicit.error)")
        }
    }

    @Test("opub run outside a repository on a machine with nothing set up points to opub setup")
    func nothingSetUp() async throws {
        try await withCLIWorld { world in
            let result = await world.opub(["run", "claude"], in: world.temp.home)
            #expect(result.status == 1)
            #expect(result.error.contains("No compute key is set up on this machine yet"))
            #expect(result.error.contains("opub setup"))
        }
    }

    @Test("revoke revokes at opub through the link token, then deletes the secret")
    func revoke() async throws {
        try await withCLIWorld { world in
            #expect(await world.setup("claude").status == 0)
            let result = await world.opub(["revoke"])
            #expect(result.status == 0, "\(result.error)")
            #expect(await world.server.revoked == [world.keyID.rawValue])
            #expect(!FileManager.default.fileExists(atPath: world.temp.paths.secretFile(for: world.keyID.rawValue)))
            let configuration = try ConfigStore(paths: world.temp.paths).load()
            #expect(configuration.keys.isEmpty)
        }
    }

    @Test("revoke keeps the secret when opub cannot be reached, and says so")
    func revokeUnreachable() async throws {
        try await withCLIWorld { world in
            #expect(await world.setup("claude").status == 0)
            let result = await world.opub(["revoke", "--server", "http://127.0.0.1:9"])
            #expect(result.status == 1)
            #expect(result.error.contains("The key still works and stays on this machine"))
            #expect(FileManager.default.fileExists(atPath: world.temp.paths.secretFile(for: world.keyID.rawValue)))
        }
    }

    @Test("logout forgets the secret and binding, and says the key stays active")
    func logout() async throws {
        try await withCLIWorld { world in
            #expect(await world.setup("claude").status == 0)
            let result = await world.opub(["logout", "--all"])
            #expect(result.status == 0)
            #expect(result.output.contains("still active"))
            #expect(await world.server.revoked.isEmpty)
            #expect(!FileManager.default.fileExists(atPath: world.temp.paths.secretFile(for: world.keyID.rawValue)))
            let configuration = try ConfigStore(paths: world.temp.paths).load()
            #expect(configuration.keys.isEmpty && configuration.bindings.isEmpty)
        }
    }

    @Test("--store keyring without secret-tool says what to install")
    func keyringWithoutSecretTool() async throws {
        try await withCLIWorld { world in
            let result = await world.setup("claude", extra: ["--store", "keyring"])
            #expect(result.status == 1)
            #expect(result.error.contains("secret-tool") && result.error.contains("--store file"))
        }
    }

    @Test("--store keyring stores through secret-tool when it is there")
    func keyringWithSecretTool() async throws {
        try await withCLIWorld { world in
            // A stand-in secret-tool keeping secrets in a file, as the keyring would.
            let store = world.temp.root + "/keyring"
            try world.temp.installProgram(
                "secret-tool",
                script: """
                    #!/bin/sh
                    case "$1" in
                    store) cat > "\(store)" ;;
                    lookup) cat "\(store)" ;;
                    clear) rm -f "\(store)" ;;
                    esac
                    """)
            let result = await world.setup("claude", extra: ["--store", "keyring"])
            #expect(result.status == 0, "\(result.error)")
            #expect(world.temp.read(store) == world.secret)
            #expect(!FileManager.default.fileExists(atPath: world.temp.paths.secretFile(for: world.keyID.rawValue)))
            let status = await world.opub(["status"])
            #expect(status.status == 0, "\(status.error)")
            #expect(await world.opub(["logout"]).status == 0)
            #expect(!FileManager.default.fileExists(atPath: store))
        }
    }
}
