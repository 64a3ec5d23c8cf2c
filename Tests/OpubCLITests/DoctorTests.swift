import Foundation
import OpubCLI
import OpubSurfaces
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

    @Test("a CLI older than the one its server distributes gets a warning with the one-line upgrade")
    func olderThanTheServer() async throws {
        try await withCLIWorld { world in
            #expect(await world.setup("claude").status == 0)
            await world.server.distribute("99.0.0")
            let older = await world.opub(["doctor"])
            #expect(older.status == 0, "a version warning does not fail doctor: \(older.output)")
            #expect(
                older.output.contains(
                    "✗ cli version: opub \(OpubVersion.current) is older than the 99.0.0 that \(world.serverURL) "
                        + "distributes — upgrade: curl -fsSL http://127.0.0.1/install.sh | sh"))
            await world.server.distribute(OpubVersion.current)
            let current = await world.opub(["doctor"])
            #expect(current.output.contains("✓ cli version: opub \(OpubVersion.current)"))
            await world.server.distribute(nil)
            let none = await world.opub(["doctor"])
            #expect(!none.output.contains("cli version"))
        }
    }

    @Test("dotted versions compare number by number; the install origin is read from beside the binary")
    func versionsAndOrigin() throws {
        #expect(DottedVersion("0.10.0")! > DottedVersion("0.9.1")!)
        #expect(DottedVersion("1.0")! == DottedVersion("1.0.0")!)
        #expect(DottedVersion("1.2.3-beta")! == DottedVersion("1.2.3")!)
        #expect(DottedVersion("one") == nil)
        let folder = NSTemporaryDirectory() + "opub-origin-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        #expect(InstallOrigin.read(besideExecutable: folder + "/opub") == nil)
        #expect(InstallOrigin.versionLine(origin: nil) == OpubVersion.current)
        try "server=https://opub.example.org\nversion=0.1.0\n".write(
            toFile: folder + "/" + InstallOrigin.fileName, atomically: true, encoding: .utf8)
        let origin = try #require(InstallOrigin.read(besideExecutable: folder + "/opub"))
        #expect(origin == InstallOrigin(server: "https://opub.example.org", version: "0.1.0"))
        #expect(
            InstallOrigin.versionLine(origin: origin)
                == "\(OpubVersion.current) (installed from https://opub.example.org, which distributed 0.1.0)")
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

    @Test(
        "flags loose file modes with the chmod that fixes them; a workspace .env is not reported (cn reads the environment first)"
    )
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
            #expect(!result.output.contains(".env sets OPUB_PROVIDER_KEY"))
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
