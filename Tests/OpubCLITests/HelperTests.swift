import Foundation
import OpubCLI
import OpubCore
import OpubSurfaces
import TOMLKit
import Testing

@Suite("CLI helpers")
struct HelperTests {
    @Test(
        "credentials go only to https or loopback http",
        arguments: [
            ("https://opub.dev", true), ("https://gateway.example.com/api/v1", true),
            ("http://127.0.0.1:8080", true), ("http://127.3.4.5", true), ("http://localhost:1", true),
            ("http://[::1]:9/api", true), ("http://opub.dev", false), ("http://10.0.0.1", false),
            ("http://127.0.0.1.evil.com", false), ("ftp://127.0.0.1", false), ("opub.dev", false), ("", false),
        ])
    func endpointRule(url: String, acceptable: Bool) {
        #expect(EndpointRule.isAcceptable(url) == acceptable)
    }

    @Test(
        "GitHub remotes name owner/repo",
        arguments: [
            ("https://github.com/octo/widgets.git", "octo/widgets"),
            ("https://github.com/octo/widgets", "octo/widgets"),
            ("git@github.com:octo/widgets.git", "octo/widgets"),
            ("ssh://git@github.com/octo/widgets.git", "octo/widgets"),
            ("git://github.com/octo/widgets/", "octo/widgets"),
        ])
    func remotes(url: String, expected: String) throws {
        #expect(GitRemote.repository(fromRemote: url) == (try RepositoryName(parsing: expected)))
    }

    @Test("a path without a host is not a GitHub remote")
    func localRemote() {
        #expect(GitRemote.repository(fromRemote: "/srv/git/widgets.git") == nil)
    }

    @Test("wait statuses become shell statuses")
    func exitStatuses() {
        #expect(AgentExit(waitStatus: 3 << 8).shellStatus == 3)
        #expect(AgentExit(waitStatus: 0).shellStatus == 0)
        #expect(AgentExit(waitStatus: SIGTERM).shellStatus == 143)
        #expect(AgentExit(waitStatus: SIGKILL).shellStatus == 137)
    }

    @Test("private files are written atomically with mode 0600 in 0700 directories")
    func privateFiles() throws {
        let root = FileManager.default.temporaryDirectory.path + "/opub-private-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: root) }
        let path = root + "/a/b/secret"
        try PrivateFiles.write("one", to: path)
        try PrivateFiles.write("two", to: path)
        #expect(try PrivateFiles.read(path) == "two")
        #expect(PrivateFiles.mode(of: path) == 0o600)
        #expect(PrivateFiles.mode(of: root + "/a/b") == 0o700)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: root + "/a/b")
        #expect(leftovers == ["secret"])
    }

    @Test("config.toml round-trips, and a broken one is reported with the fix")
    func configRoundTrip() throws {
        let root = FileManager.default.temporaryDirectory.path + "/opub-config-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = ConfigStore(paths: OpubPaths(environment: ["HOME": root]))
        #expect(try store.load() == CLIConfiguration())
        let configuration = CLIConfiguration(
            keys: [
                "ck_a": StoredKey(
                    project: "octo/widgets", name: "laptop", label: "sk-or-v1-abc...1234", store: "file",
                    server: "https://opub.dev", providerURL: nil, heartbeatIntervalSeconds: 60,
                    models: ["claude": "anthropic/claude-sonnet-4.6"])
            ], bindings: [RepositoryBinding(root: "/src/widgets", remote: nil, key: "ck_a")])
        try store.save(configuration)
        #expect(try store.load() == configuration)
        try "keys = [".write(toFile: store.paths.configFile, atomically: true, encoding: .utf8)
        #expect {
            _ = try store.load()
        } throws: { error in
            (error as? CLIError)?.message.contains("is not a valid opub configuration") == true
        }
    }

    @Test("XDG paths, with the fallbacks the XDG spec gives")
    func paths() {
        let defaults = OpubPaths(environment: ["HOME": "/home/me", "XDG_CONFIG_HOME": "relative/ignored"])
        #expect(defaults.configFile == "/home/me/.config/opub/config.toml")
        #expect(defaults.secretFile(for: "ck_a") == "/home/me/.local/share/opub/keys/ck_a")
        #expect(defaults.runtimeDirectory == "/tmp/opub-\(getuid())")
        let xdg = OpubPaths(
            environment: [
                "HOME": "/home/me", "XDG_CONFIG_HOME": "/c", "XDG_DATA_HOME": "/d", "XDG_RUNTIME_DIR": "/run/user/1",
            ])
        #expect(xdg.configDirectory == "/c/opub")
        #expect(xdg.keysDirectory == "/d/opub/keys")
        #expect(xdg.sessionDirectory(for: "ls_a") == "/run/user/1/opub/ls_a")
    }
}

@Suite("Session records")
struct SessionRecordTests {
    @Test("stale session directories (their opub run is gone) are removed; live ones stay")
    func staleSessions() throws {
        let root = FileManager.default.temporaryDirectory.path + "/opub-runtime-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: root) }
        func record(_ id: String, pid: Int32) -> SessionRecord {
            SessionRecord(
                sessionID: id, keyID: "ck_a", project: "octo/widgets", surface: "codex", server: "https://opub.dev",
                linkToken: "token", linked: false, startedAt: "", pid: pid, model: nil)
        }
        // A pid that cannot be running: beyond Linux's pid_max.
        try record("ls_dead", pid: 4_194_304 + 7).write(to: root + "/ls_dead")
        try record("ls_live", pid: getpid()).write(to: root + "/ls_live")
        #expect(SessionRecord.running(in: root).map(\.sessionID) == ["ls_live"])
        SessionRecord.removeStale(in: root)
        #expect(try FileManager.default.contentsOfDirectory(atPath: root) == ["ls_live"])
    }
}

@Suite("Console")
struct ConsoleTests {
    struct TerminalSink: OutputSink {
        let recorded = RecordedOutput()
        func write(_ text: String, to stream: Console.Stream) { recorded.write(text, to: stream) }
        func isTerminal(_ stream: Console.Stream) -> Bool { true }
    }

    @Test("colour only on a terminal, never with NO_COLOR; --quiet drops information but not warnings")
    func colourAndQuiet() {
        let sink = TerminalSink()
        #expect(Console(sink: sink, environment: [:], quiet: false, json: false).mark(true).contains("\u{1B}[32m"))
        #expect(Console(sink: sink, environment: ["NO_COLOR": "1"], quiet: false, json: false).mark(true) == "✓")
        #expect(Console(sink: RecordedOutput(), environment: [:], quiet: false, json: false).mark(false) == "✗")
        let quiet = Console(sink: sink, environment: [:], quiet: true, json: false)
        quiet.info("hidden")
        quiet.warn("shown")
        quiet.result("result")
        #expect(sink.recorded.error == "opub: shown\n")
        #expect(sink.recorded.output == "result\n")
    }
}

@Suite("Command line")
struct CommandLineTests {
    @Test("shell completions, --version and help come from ArgumentParser, on stdout")
    func completionsAndVersion() async throws {
        let world = try TemporaryWorld()
        defer { world.remove() }
        let bash = await world.opub(["--generate-completion-script", "bash"])
        #expect(bash.status == 0)
        #expect(bash.output.contains("complete -o filenames -F _opub opub") || bash.output.contains("_opub"))
        #expect(bash.output.contains("setup") && bash.output.contains("doctor"))
        let version = await world.opub(["--version"])
        #expect(version.status == 0 && version.output == OpubVersion.current + "\n")
        let help = await world.opub(["run", "--help"])
        #expect(help.status == 0 && help.output.contains("USAGE: opub run <surface>"))
        let bad = await world.opub(["run", "emacs"])
        #expect(bad.status == 64)
        #expect(bad.error.contains("emacs"))
    }
}
