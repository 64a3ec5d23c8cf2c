import Foundation
import OpubCore
import OpubSurfaces
import Testing

/// The launch table as pure data: what the server's key page shows comes from the same functions.
@Suite("Launch table (OpubSurfaces)")
struct LaunchTableTests {
    let repository = try! RepositoryName(parsing: "octo/widgets")
    let keyID = KeyID("ck_abc123")!

    @Test("setup commands: opub setup <surface> --project owner/repo --compute-key-id ck_…")
    func setupCommands() {
        #expect(
            LaunchTable.setupCommand(for: .continue, repository: repository, keyID: keyID)
                == "opub setup continue --project octo/widgets --compute-key-id ck_abc123")
        let all = LaunchTable.setupCommands(repository: repository, keyID: keyID)
        #expect(Set(all.keys) == Set(Surface.allCases.map(\.rawValue)))
    }

    @Test("a setup command printed by another server than the CLI's default carries --server, so it works as printed")
    func setupCommandsCarryTheServer() {
        #expect(
            LaunchTable.setupCommand(
                for: .claude, repository: repository, keyID: keyID, server: "http://127.0.0.1:8080/")
                == "opub setup claude --project octo/widgets --compute-key-id ck_abc123 --server http://127.0.0.1:8080")
        #expect(
            LaunchTable.setupCommand(for: .claude, repository: repository, keyID: keyID, server: "https://opub.dev/")
                == "opub setup claude --project octo/widgets --compute-key-id ck_abc123")
        let all = LaunchTable.setupCommands(repository: repository, keyID: keyID, server: "https://opub.example.org")
        #expect(all.values.allSatisfy { $0.hasSuffix(" --server https://opub.example.org") })
    }

    @Test("advanced configs carry the placeholder, never a session id, and the raw headers")
    func advancedConfigs() {
        let claude = LaunchTable.advancedEnvironment(
            for: .claude, repository: repository, keyID: keyID, providerBaseURL: "https://openrouter.ai/api/v1/",
            model: nil, secretPlaceholder: "{secret}")
        #expect(
            claude.map(\.name) == [
                "ANTHROPIC_BASE_URL", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_API_KEY", "ANTHROPIC_CUSTOM_HEADERS",
            ])
        #expect(claude[0].value == "https://openrouter.ai/api")
        #expect(claude[1].value == "{secret}")
        #expect(
            claude[3].value
                == "HTTP-Referer: https://opub.dev/github/octo/widgets\nX-OpenRouter-Title: opub\nX-Title: opub\n"
                + "X-OpenRouter-Categories: cli-agent")
        #expect(
            LaunchTable.rawHeaders(repository: repository) == [
                HeaderField(name: "HTTP-Referer", value: "https://opub.dev/github/octo/widgets"),
                HeaderField(name: "X-OpenRouter-Title", value: "opub"),
                HeaderField(name: "X-Title", value: "opub"),
                HeaderField(name: "X-OpenRouter-Categories", value: "cli-agent"),
            ])
    }

    @Test("every plan puts the secret in environment variables only", arguments: Surface.allCases)
    func secretOnlyInEnvironment(surface: Surface) {
        let inputs = LaunchInputs(
            repository: repository, keyID: keyID, sessionID: SessionID("ls_x1")!,
            providerBaseURL: "https://openrouter.ai/api/v1", model: "some/model", opubExecutable: "/usr/bin/opub",
            sessionDirectory: "/run/opub/ls_x1")
        let plan = LaunchTable.plan(for: surface, inputs)
        #expect(plan.program == surface.program)
        #expect(plan.secretVariableNames.count == 1)
        let secret = "sk-or-v1-" + String(repeating: "a", count: 64)
        #expect(plan.resolvedEnvironment(secret: secret).filter { $0.value == secret }.count == 1)
        for file in plan.files { #expect(!file.contents.contains("sk-or-v1-")) }
        for argument in plan.arguments { #expect(!argument.contains("sk-or-v1-")) }
    }
}

@Suite("Key creation configs (what the server's key page shows)")
struct KeyCreationConfigsTests {
    @Test("setup commands, per-surface environment with the secret, and raw headers, in the API's shape")
    func shape() throws {
        let configs = KeyCreationConfigs(
            repository: try RepositoryName(parsing: "octo/widgets"), keyID: KeyID("ck_abc123")!,
            providerBaseURL: "https://openrouter.ai/api/v1", recommendedModels: ["copilot": "openai/gpt-5"],
            secret: "sk-or-v1-secret")
        #expect(configs.setupCommands["vibe"] == "opub setup vibe --project octo/widgets --compute-key-id ck_abc123")
        #expect(
            configs.environment["copilot"] == [
                "COPILOT_PROVIDER_BASE_URL": "https://openrouter.ai/api/v1", "COPILOT_PROVIDER_TYPE": "openai",
                "COPILOT_PROVIDER_API_KEY": "sk-or-v1-secret", "COPILOT_MODEL": "openai/gpt-5",
            ])
        #expect(configs.environment["codex"] == ["OPENROUTER_API_KEY": "sk-or-v1-secret"])
        #expect(
            configs.headers == [
                "HTTP-Referer": "https://opub.dev/github/octo/widgets", "X-OpenRouter-Title": "opub", "X-Title": "opub",
                "X-OpenRouter-Categories": "cli-agent",
            ])
        let json = String(decoding: try JSONEncoder().encode(configs), as: UTF8.self)
        #expect(json.contains("\"setup_commands\""))
    }
}
