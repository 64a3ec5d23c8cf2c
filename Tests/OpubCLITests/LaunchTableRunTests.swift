import Foundation
import OpubCLI
import OpubCore
import OpubSurfaces
import TOMLKit
import Testing
import Yams

extension BinaryTests {
    /// `opub run <surface>` for every surface, with a stand-in program on `PATH` that records what it was
    /// given: the exact variables, flags, headers and generated files of `cli.md`'s launch table.
    @Suite("opub run: the launch table, as the agent sees it")
    struct LaunchTableRunTests {
        struct Launch {
            let world: CLIWorld
            let status: Int32
            let output: String
            let error: String
            let recording: StandInAgent.Recording

            var environment: [String: String] { recording.environment }
            var sessionID: String { environment["OPUB_SESSION_ID"] ?? "" }
            var sessionDirectory: String { environment["OPUB_SESSION_DIR"] ?? "" }
            var base: String { world.providerURL }
            var referer: String { "https://opub.dev/github/octo/widgets" }
            var opub: String { URL(fileURLWithPath: OpubBinary.path).resolvingSymlinksInPath().path }
            var mcpArguments: [String] { ["mcp", "--session-dir", sessionDirectory] }
        }

        /// Sets up the key, installs the stand-in, runs `opub run <surface> -- --user-flag 1`, and checks
        /// what holds for every surface.
        func launch(
            _ surface: Surface, environment: [String: String] = [:],
            prepare: @Sendable (CLIWorld) throws -> Void = { _ in },
            _ check: @Sendable (Launch) throws -> Void
        ) async throws {
            try await withCLIWorld { world in
                try prepare(world)
                let setup = await world.setup(surface.rawValue)
                #expect(setup.status == 0, "\(setup.error)")
                try world.temp.installProgram(surface.program, script: StandInAgent.recorder)
                let result = try await world.runBinary(
                    ["run", surface.rawValue, "--", "--user-flag", "1"], environment: environment)
                let recording = StandInAgent.Recording(directory: world.temp.records + "/" + surface.program)
                let launch = Launch(
                    world: world, status: result.status, output: result.output, error: result.error,
                    recording: recording)
                #expect(launch.status == 0, "\(launch.error)")
                try checkCommon(launch, surface)
                await expectLinkedAndEnded(launch, surface)
                try check(launch)
            }
        }

        func checkCommon(_ launch: Launch, _ surface: Surface) throws {
            let world = launch.world
            #expect(SessionID(launch.sessionID) != nil)
            #expect(launch.sessionDirectory == world.temp.runtimeDirectory + "/opub/" + launch.sessionID)
            #expect(launch.recording.workingDirectory == world.temp.repository)
            #expect(launch.recording.arguments.suffix(2) == ["--user-flag", "1"])
            // Generated files: 0600 in a 0700 directory, gone after the session.
            #expect(launch.recording.directoryMode == "700")
            #expect(!launch.recording.modes.isEmpty)
            for line in launch.recording.modes { #expect(line.hasPrefix("600 "), "\(line)") }
            #expect(!FileManager.default.fileExists(atPath: launch.sessionDirectory))
            // The secret only where the table puts it.
            let expectedCarriers = Set(
                LaunchTable.plan(
                    for: surface,
                    LaunchInputs(
                        repository: try RepositoryName(parsing: "octo/widgets"), keyID: world.keyID, sessionID: nil,
                        providerBaseURL: "", model: nil)
                ).secretVariableNames)
            let carriers = Set(launch.environment.filter { $0.value.contains(world.secret) }.map(\.key))
            #expect(carriers == expectedCarriers)
            for argument in launch.recording.arguments { #expect(!argument.contains(world.secret)) }
            for (path, contents) in launch.recording.sessionFiles {
                #expect(!contents.contains(world.secret), "the secret is in \(path)")
            }
            #expect(!launch.output.contains(world.secret) && !launch.error.contains(world.secret))
            let configText = world.temp.read(world.temp.paths.configFile) ?? ""
            #expect(!configText.contains(world.secret))
            // The session record names the session and holds the link token, never the secret.
            let record = try JSONDecoder().decode(
                SessionRecord.self, from: Data(launch.recording.sessionFile("session.json").utf8))
            #expect(record.sessionID == launch.sessionID && record.surface == surface.rawValue)
            #expect(record.linkToken == LinkToken.derive(secret: world.secret, keyID: world.keyID))
        }

        func expectLinkedAndEnded(_ launch: Launch, _ surface: Surface) async {
            let sessions = await launch.world.server.sessions
            let session = sessions[launch.sessionID]
            #expect(session?.start.surface == surface.rawValue)
            #expect(session?.start.keyID == launch.world.keyID.rawValue)
            #expect(session?.end == CLISessionEnd(exitCode: 0, reason: "exited"))
        }

        @Test(
            "claude: base URL, bearer token, empty ANTHROPIC_API_KEY, headers, models, --mcp-config; no Bedrock or Vertex"
        )
        func claude() async throws {
            let inherited = [
                "ANTHROPIC_API_KEY": "sk-ant-stored-login", "CLAUDE_CODE_USE_BEDROCK": "1",
                "CLAUDE_CODE_USE_VERTEX": "1", "ANTHROPIC_VERTEX_PROJECT_ID": "p", "ANTHROPIC_MODEL": "claude-opus-4-1",
                "ANTHROPIC_SMALL_FAST_MODEL": "claude-3-5-haiku", "UNRELATED": "kept",
            ]
            try await launch(.claude, environment: inherited) { launch in
                let environment = launch.environment
                let model = "anthropic/claude-sonnet-4.6"
                #expect(environment["ANTHROPIC_BASE_URL"] == String(launch.base.dropLast(3)))
                #expect(environment["ANTHROPIC_BASE_URL"]?.hasSuffix("/api") == true)
                #expect(environment["ANTHROPIC_AUTH_TOKEN"] == launch.world.secret)
                #expect(environment["ANTHROPIC_API_KEY"] == "")
                #expect(
                    environment["ANTHROPIC_CUSTOM_HEADERS"]
                        == "HTTP-Referer: \(launch.referer)\nX-OpenRouter-Title: opub\nX-Title: opub\n"
                        + "X-OpenRouter-Categories: cli-agent\nx-session-id: \(launch.sessionID)"
                )
                #expect(environment["ANTHROPIC_MODEL"] == model)
                #expect(environment["ANTHROPIC_DEFAULT_OPUS_MODEL"] == model)
                #expect(environment["ANTHROPIC_DEFAULT_SONNET_MODEL"] == model)
                #expect(environment["ANTHROPIC_DEFAULT_HAIKU_MODEL"] == model)
                for rerouting in [
                    "CLAUDE_CODE_USE_BEDROCK", "CLAUDE_CODE_USE_VERTEX", "ANTHROPIC_VERTEX_PROJECT_ID",
                    "ANTHROPIC_SMALL_FAST_MODEL",
                ] {
                    #expect(environment[rerouting] == nil, "\(rerouting) reached the agent")
                }
                #expect(environment["UNRELATED"] == "kept")
                let configPath = launch.sessionDirectory + "/claude-mcp.json"
                #expect(
                    launch.recording.arguments == [
                        "--mcp-config=" + configPath, "--allowedTools=mcp__opub", "--user-flag", "1",
                    ])
                let json =
                    try JSONSerialization.jsonObject(
                        with: Data(launch.recording.sessionFile("claude-mcp.json").utf8)) as? [String: Any]
                let server = (json?["mcpServers"] as? [String: Any])?["opub"] as? [String: Any]
                #expect(server?["type"] as? String == "stdio")
                #expect(server?["command"] as? String == launch.opub)
                #expect(server?["args"] as? [String] == launch.mcpArguments)
                #expect(launch.recording.modes == ["600 ./claude-mcp.json", "600 ./session.json"])
            }
        }

        @Test("codex: OPENROUTER_API_KEY and -c overrides for the provider, headers, model and MCP")
        func codex() async throws {
            try await launch(.codex, environment: ["OPENAI_BASE_URL": "https://elsewhere.example/v1"]) { launch in
                #expect(launch.environment["OPENROUTER_API_KEY"] == launch.world.secret)
                #expect(launch.environment["OPENAI_BASE_URL"] == nil)
                let headers =
                    "{ \"HTTP-Referer\" = \"\(launch.referer)\", \"X-OpenRouter-Title\" = \"opub\", "
                    + "\"X-Title\" = \"opub\", \"X-OpenRouter-Categories\" = \"cli-agent\", "
                    + "\"x-session-id\" = \"\(launch.sessionID)\" }"
                let expected = [
                    "-c", "model_provider=\"opub\"",
                    "-c",
                    "model_providers.opub={ name = \"opub (OpenRouter)\", base_url = \"\(launch.base)\", "
                        + "env_key = \"OPENROUTER_API_KEY\", wire_api = \"responses\", http_headers = \(headers) }",
                    "-c", "model=\"openai/gpt-5-codex\"",
                    "-c",
                    "mcp_servers.opub={ command = \"\(launch.opub)\", args = [\"mcp\", \"--session-dir\", "
                        + "\"\(launch.sessionDirectory)\"] }",
                    "--user-flag", "1",
                ]
                #expect(launch.recording.arguments == expected)
                // Each override is valid TOML, as Codex parses it.
                let overrides = launch.recording.arguments.enumerated().filter { $0.offset % 2 == 1 && $0.offset < 8 }
                for (_, override) in overrides {
                    let equals = try #require(override.firstIndex(of: "="))
                    let table = try TOMLTable(string: "value = " + override[override.index(after: equals)...])
                    #expect(table["value"] != nil)
                }
                let provider = try TOMLTable(string: "p = " + expected[3].dropFirst("model_providers.opub=".count))
                #expect(provider["p"]?.table?["http_headers"]?.table?["x-session-id"]?.string == launch.sessionID)
                #expect(launch.recording.modes == ["600 ./session.json"])
            }
        }

        @Test(
            "copilot: COPILOT_PROVIDER_* variables, COPILOT_MODEL, --additional-mcp-config @file; other provider settings not inherited"
        )
        func copilot() async throws {
            let inherited = [
                "COPILOT_PROVIDER_BEARER_TOKEN": "other", "COPILOT_PROVIDER_WIRE_API": "responses",
                "COPILOT_MODEL": "gpt-4.1",
            ]
            try await launch(.copilot, environment: inherited) { launch in
                let environment = launch.environment
                #expect(environment["COPILOT_PROVIDER_BEARER_TOKEN"] == nil)
                #expect(environment["COPILOT_PROVIDER_WIRE_API"] == nil)
                #expect(environment["COPILOT_PROVIDER_BASE_URL"] == launch.base)
                #expect(environment["COPILOT_PROVIDER_TYPE"] == "openai")
                #expect(environment["COPILOT_PROVIDER_API_KEY"] == launch.world.secret)
                #expect(environment["COPILOT_MODEL"] == "openai/gpt-5")
                let file = launch.sessionDirectory + "/copilot-mcp.json"
                #expect(launch.recording.arguments == ["--additional-mcp-config", "@" + file, "--user-flag", "1"])
                let json =
                    try JSONSerialization.jsonObject(
                        with: Data(launch.recording.sessionFile("copilot-mcp.json").utf8)) as? [String: Any]
                let server = (json?["mcpServers"] as? [String: Any])?["opub"] as? [String: Any]
                #expect(server?["type"] as? String == "local")
                #expect(server?["command"] as? String == launch.opub)
                #expect(server?["args"] as? [String] == launch.mcpArguments)
                #expect(server?["tools"] as? [String] == ["*"])
            }
        }

        @Test("vibe: VIBE_HOME with the user's config merged, opub's provider, model and MCP, trusted folders kept")
        func vibe() async throws {
            let userConfig = """
                active_model = "mistral-medium"
                textual_theme = "gruvbox"

                [[providers]]
                name = "mistral"
                api_base = "https://api.mistral.ai/v1"
                api_key_env_var = "MISTRAL_API_KEY"
                backend = "mistral"

                [[models]]
                name = "mistral-medium-latest"
                provider = "mistral"
                alias = "mistral-medium"
                """
            let trust = "trusted = [\"/home/me/code\"]\nuntrusted = []\n"
            try await launch(
                .vibe,
                prepare: { world in
                    let vibe = world.temp.home + "/.vibe"
                    try FileManager.default.createDirectory(atPath: vibe + "/logs", withIntermediateDirectories: true)
                    try userConfig.write(toFile: vibe + "/config.toml", atomically: true, encoding: .utf8)
                    try trust.write(toFile: vibe + "/trusted_folders.toml", atomically: true, encoding: .utf8)
                }
            ) { launch in
                let environment = launch.environment
                #expect(environment["OPENROUTER_API_KEY"] == launch.world.secret)
                #expect(environment["VIBE_HOME"] == launch.sessionDirectory + "/vibe-home")
                #expect(launch.recording.arguments == ["--user-flag", "1"])
                let config = try TOMLTable(string: launch.recording.sessionFile("vibe-home/config.toml"))
                #expect(config["active_model"]?.string == "opub")
                #expect(config["textual_theme"]?.string == "gruvbox")
                let providers = try #require(config["providers"]?.array).compactMap(\.table)
                #expect(providers.map { $0["name"]?.string } == ["mistral", "opub-openrouter"])
                let opub = providers[1]
                #expect(opub["api_base"]?.string == launch.base)
                #expect(opub["api_key_env_var"]?.string == "OPENROUTER_API_KEY")
                #expect(opub["api_style"]?.string == "openai")
                #expect(opub["backend"]?.string == "generic")
                let headers = try #require(opub["extra_headers"]?.table)
                #expect(headers["HTTP-Referer"]?.string == launch.referer)
                #expect(headers["X-OpenRouter-Title"]?.string == "opub")
                #expect(headers["x-session-id"]?.string == launch.sessionID)
                let models = try #require(config["models"]?.array).compactMap(\.table)
                #expect(models.map { $0["alias"]?.string } == ["mistral-medium", "opub"])
                #expect(models[1]["name"]?.string == "mistralai/devstral-medium")
                #expect(models[1]["provider"]?.string == "opub-openrouter")
                let servers = try #require(config["mcp_servers"]?.array).compactMap(\.table)
                #expect(servers.count == 1)
                #expect(servers[0]["name"]?.string == "opub")
                #expect(servers[0]["transport"]?.string == "stdio")
                #expect(servers[0]["command"]?.string == launch.opub)
                #expect(servers[0]["args"]?.array?.compactMap(\.string) == launch.mcpArguments)
                #expect(launch.recording.sessionFile("vibe-home/trusted_folders.toml") == trust)
                #expect(launch.recording.links == ["./vibe-home/logs"])
                #expect(
                    launch.recording.modes == [
                        "600 ./session.json", "600 ./vibe-home/config.toml", "600 ./vibe-home/trusted_folders.toml",
                    ])
                // The user's own Vibe home is untouched.
                let vibe = launch.world.temp.home + "/.vibe"
                #expect(launch.world.temp.read(vibe + "/config.toml") == userConfig)
                #expect(FileManager.default.fileExists(atPath: vibe + "/logs"))
            }
        }

        @Test("opencode: OPENCODE_CONFIG_CONTENT with the openrouter provider, headers, model and mcp.opub")
        func opencode() async throws {
            try await launch(.opencode) { launch in
                let environment = launch.environment
                #expect(environment["OPUB_PROVIDER_KEY"] == launch.world.secret)
                #expect(launch.recording.arguments == ["--user-flag", "1"])
                let content = try #require(environment["OPENCODE_CONFIG_CONTENT"])
                #expect(!content.contains(launch.world.secret))
                let json = try #require(try JSONSerialization.jsonObject(with: Data(content.utf8)) as? [String: Any])
                let options =
                    ((json["provider"] as? [String: Any])?["openrouter"] as? [String: Any])?["options"]
                    as? [String: Any]
                #expect(options?["apiKey"] as? String == "{env:OPUB_PROVIDER_KEY}")
                #expect(options?["baseURL"] as? String == launch.base)
                #expect(
                    options?["headers"] as? [String: String] == [
                        "HTTP-Referer": launch.referer, "X-OpenRouter-Title": "opub", "X-Title": "opub",
                        "X-OpenRouter-Categories": "cli-agent", "x-session-id": launch.sessionID,
                    ])
                #expect(json["model"] as? String == "openrouter/moonshotai/kimi-k2")
                let mcp = (json["mcp"] as? [String: Any])?["opub"] as? [String: Any]
                #expect(mcp?["type"] as? String == "local")
                #expect(mcp?["command"] as? [String] == [launch.opub] + launch.mcpArguments)
                #expect(launch.recording.modes == ["600 ./session.json"])
            }
        }

        @Test("continue: cn --config with a generated config.yaml (schema v1, openrouter, headers, mcpServers)")
        func continueCLI() async throws {
            try await launch(.continue) { launch in
                #expect(launch.environment["OPUB_PROVIDER_KEY"] == launch.world.secret)
                let file = launch.sessionDirectory + "/continue-config.yaml"
                #expect(launch.recording.arguments == ["--config", file, "--user-flag", "1"])
                let yaml = try #require(
                    try Yams.load(yaml: launch.recording.sessionFile("continue-config.yaml")) as? [String: Any])
                #expect(yaml["schema"] as? String == "v1")
                #expect(yaml["name"] as? String == "opub (octo/widgets)")
                let model = try #require((yaml["models"] as? [[String: Any]])?.first)
                #expect(model["provider"] as? String == "openrouter")
                #expect(model["model"] as? String == "qwen/qwen3-coder")
                #expect(model["apiBase"] as? String == launch.base)
                #expect(model["apiKey"] as? String == "${{ secrets.OPUB_PROVIDER_KEY }}")
                let headers = (model["requestOptions"] as? [String: Any])?["headers"] as? [String: String]
                #expect(
                    headers == [
                        "HTTP-Referer": launch.referer, "X-OpenRouter-Title": "opub", "X-Title": "opub",
                        "X-OpenRouter-Categories": "cli-agent", "x-session-id": launch.sessionID,
                    ])
                let server = try #require((yaml["mcpServers"] as? [[String: Any]])?.first)
                #expect(server["name"] as? String == "opub")
                #expect(server["command"] as? String == launch.opub)
                #expect(server["args"] as? [String] == launch.mcpArguments)
                #expect(launch.recording.modes == ["600 ./continue-config.yaml", "600 ./session.json"])
            }
        }

        @Test("every surface links its session and ends it with the exit status", arguments: Surface.allCases)
        func linksAndEnds(surface: Surface) async throws {
            try await withCLIWorld { world in
                #expect(await world.setup(surface.rawValue).status == 0)
                try world.temp.installProgram(surface.program, script: StandInAgent.recorder)
                let result = try await world.runBinary(["run", surface.rawValue], environment: ["STANDIN_EXIT": "3"])
                #expect(result.status == 3)
                let recording = StandInAgent.Recording(directory: world.temp.records + "/" + surface.program)
                let sessionID = recording.environment["OPUB_SESSION_ID"] ?? ""
                let session = await world.server.sessions[sessionID]
                #expect(session?.start.surface == surface.rawValue)
                #expect(session?.start.cliVersion == OpubVersion.current)
                #expect(session?.end == CLISessionEnd(exitCode: 3, reason: "exited"))
            }
        }

        @Test("--model overrides the recommendation")
        func modelOverride() async throws {
            try await withCLIWorld { world in
                #expect(await world.setup("copilot").status == 0)
                try world.temp.installProgram("copilot", script: StandInAgent.recorder)
                let result = try await world.runBinary(["run", "copilot", "--model", "x-ai/grok-code-fast-1"])
                #expect(result.status == 0, "\(result.error)")
                let recording = StandInAgent.Recording(directory: world.temp.records + "/copilot")
                #expect(recording.environment["COPILOT_MODEL"] == "x-ai/grok-code-fast-1")
            }
        }

        @Test("an OpenCode too old to substitute {env:…} is refused, naming the version needed; a newer one runs")
        func oldOpenCode() async throws {
            try await withCLIWorld { world in
                let script = { (version: String) in
                    "#!/bin/sh\nif [ \"$1\" = --version ]; then echo \(version); exit 0; fi\n"
                        + StandInAgent.recorder
                        .replacingOccurrences(of: "#!/bin/sh\n", with: "")
                }
                try world.temp.installProgram("opencode", script: script("1.1.40"))
                let setup = await world.setup("opencode")
                #expect(setup.status == 0)
                #expect(setup.error.contains("opub needs OpenCode 1.1.64 or newer"), "\(setup.error)")
                let refused = try await world.runBinary(["run", "opencode"])
                #expect(refused.status != 0)
                #expect(refused.error.contains("OpenCode 1.1.40 is too old for opub"), "\(refused.error)")
                #expect(refused.error.contains("1.1.64 or newer"))
                #expect(await world.server.sessions.isEmpty)
                // Upgraded since setup: asked again, it runs.
                try world.temp.installProgram("opencode", script: script("1.2.3"))
                let ran = try await world.runBinary(["run", "opencode"])
                #expect(ran.status == 0, "\(ran.error)")
            }
        }

        @Test("a missing agent: exit 127 with how to install it, no session started")
        func missingAgent() async throws {
            try await withCLIWorld { world in
                #expect(await world.setup("opencode").status == 0)
                let result = try await world.runBinary(["run", "opencode"])
                #expect(result.status == 127)
                #expect(result.error.contains("opencode (OpenCode) is not installed"))
                #expect(result.error.contains("npm install -g opencode-ai"))
                #expect(await world.server.sessions.isEmpty)
            }
        }
    }
}
