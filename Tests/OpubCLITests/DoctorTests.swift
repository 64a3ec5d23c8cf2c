import Foundation
import OpubCLI
import Testing

@Suite("opub doctor")
struct DoctorTests {
    @Test("a healthy setup: every required check passes, one line per check")
    func healthy() async throws {
        try await withCLIWorld { world in
            #expect(await world.setup("claude").status == 0)
            try world.temp.installProgram("claude", script: "#!/bin/sh\necho '2.0.14 (Claude Code)'\n")
            let result = await world.opub(["doctor"])
            #expect(result.status == 0, "\(result.output)\(result.error)")
            let lines = result.output.split(separator: "\n").map(String.init)
            #expect(lines.allSatisfy { $0.hasPrefix("✓ ") || $0.hasPrefix("✗ ") })
            #expect(lines.contains { $0.hasPrefix("✓ secret file:") && $0.contains(" is 600") })
            #expect(lines.contains { $0.hasPrefix("✓ keys directory:") && $0.contains(" is 700") })
            #expect(lines.contains { $0.hasPrefix("✓ provider: OpenRouter accepts the key") })
            #expect(lines.contains { $0.hasPrefix("✓ opub: \(world.serverURL) is reachable and") })
            #expect(lines.contains("✓ claude: claude 2.0.14 (Claude Code)"))
            #expect(lines.contains { $0.hasPrefix("✗ codex: codex is not installed — npm install -g @openai/codex") })
            #expect(lines.contains { $0.hasPrefix("✓ leak scan: no sk-or-v1- key") })
        }
    }

    @Test("finds a key committed to the repository, in a tracked file and in history, without printing it")
    func findsCommittedKey() async throws {
        try await withCLIWorld { world in
            #expect(await world.setup("claude").status == 0)
            let repository = world.temp.repository
            try "OPENROUTER_API_KEY=\(world.secret)\n".write(
                toFile: repository + "/settings.env", atomically: true, encoding: .utf8)
            try world.temp.shell("git add settings.env && git commit -qm 'add settings'", in: repository)
            try world.temp.shell("git rm -q settings.env && git commit -qm 'remove settings'", in: repository)
            try "key = \"\(world.secret)\"\n".write(toFile: repository + "/app.toml", atomically: true, encoding: .utf8)
            try world.temp.shell("git add app.toml && git commit -qm 'config'", in: repository)

            let result = await world.opub(["doctor"])
            #expect(result.status == 1)
            let leaks = result.output.split(separator: "\n").filter { $0.hasPrefix("✗ leak scan:") }
            #expect(leaks.contains { $0.contains("committed at app.toml:1") })
            #expect(leaks.contains { $0.contains("committed at commit ") })
            #expect(leaks.allSatisfy { $0.hasSuffix("revoke it now: `opub revoke`") })
            #expect(!result.output.contains(world.secret) && !result.error.contains(world.secret))
        }
    }

    @Test("flags loose file modes with the chmod that fixes them, and a workspace .env overriding cn's key")
    func looseModesAndDotEnv() async throws {
        try await withCLIWorld { world in
            #expect(await world.setup("continue").status == 0)
            let secretFile = world.temp.paths.secretFile(for: world.keyID.rawValue)
            chmod(secretFile, 0o644)
            try "OPUB_PROVIDER_KEY=something\n".write(
                toFile: world.temp.repository + "/.env", atomically: true, encoding: .utf8)
            let result = await world.opub(["doctor"])
            #expect(result.status == 1)
            #expect(
                result.output.contains(
                    "✗ secret file: \(secretFile) is 644, readable by others — chmod 600 \(secretFile)"))
            #expect(result.output.contains("✗ continue: \(world.temp.repository)/.env sets OPUB_PROVIDER_KEY"))
        }
    }

    @Test("--json lists the checks")
    func json() async throws {
        try await withCLIWorld { world in
            #expect(await world.setup("claude").status == 0)
            let result = await world.opub(["doctor", "--json"])
            let checks = try #require(
                try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [[String: Any]])
            #expect(checks.contains { $0["name"] as? String == "leak scan" && $0["ok"] as? Bool == true })
        }
    }
}
