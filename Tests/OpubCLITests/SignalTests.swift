import Foundation
import OpubCLI
import OpubSurfaces
import Testing

extension BinaryTests {
    /// The built `opub` binary in its own process group, as a terminal would run it: exit statuses,
    /// Ctrl-C to the group, and forwarded signals.
    @Suite("opub run: signals and exit statuses")
    struct SignalTests {
        /// Sets up `codex` with `script` as the agent, starts `opub run codex`, waits until the agent wrote
        /// `$OPUB_TEST_RECORD/started`, then hands over.
        func withRunningAgent(
            script: String, _ body: @Sendable (CLIWorld, RunningOpub) async throws -> Void
        ) async throws {
            try await withCLIWorld { world in
                #expect(await world.setup("codex").status == 0)
                try world.temp.installProgram("codex", script: script)
                let running = try RunningOpub.start(
                    ["run", "codex"], environment: world.environment, directory: world.temp.repository,
                    logs: world.temp.root)
                let started = await eventually {
                    FileManager.default.fileExists(atPath: world.temp.records + "/started")
                }
                #expect(started, "the agent did not start: \(running.error)")
                try await body(world, running)
            }
        }

        static let waitsForever = """
            #!/bin/sh
            echo "$OPUB_SESSION_ID" > "$OPUB_TEST_RECORD/session"
            touch "$OPUB_TEST_RECORD/started"
            while :; do sleep 0.05; done
            """

        @Test("an agent killed by SIGTERM: opub exits 143 and ends the session with it")
        func killedBySIGTERM() async throws {
            try await withCLIWorld { world in
                #expect(await world.setup("codex").status == 0)
                try world.temp.installProgram(
                    "codex",
                    script: "#!/bin/sh\necho \"$OPUB_SESSION_ID\" > \"$OPUB_TEST_RECORD/session\"\nkill -TERM $$\n"
                )
                let result = try await world.runBinary(["run", "codex"])
                #expect(result.status == 143)
                let sessionID = (world.temp.read(world.temp.records + "/session") ?? "").trimmingCharacters(
                    in: .whitespacesAndNewlines)
                #expect(await world.server.sessions[sessionID]?.end == CLISessionEnd(exitCode: 143, reason: "signal"))
            }
        }

        @Test("Ctrl-C (SIGINT to the process group) reaches the agent; opub survives and returns its status")
        func interruptReachesAgent() async throws {
            try await withRunningAgent(script: Self.waitsForever) { _, running in
                kill(-running.pid, SIGINT)
                #expect(await running.wait() == 130)
            }
        }

        @Test("an agent that handles SIGINT keeps control: opub returns the agent's own status")
        func agentHandlesInterrupt() async throws {
            let script = """
                #!/bin/sh
                trap 'exit 7' INT
                touch "$OPUB_TEST_RECORD/started"
                while :; do sleep 0.05; done
                """
            try await withRunningAgent(script: script) { _, running in
                kill(-running.pid, SIGINT)
                #expect(await running.wait() == 7)
            }
        }

        @Test("SIGQUIT to the group is the agent's to handle too")
        func quitReachesAgent() async throws {
            let script = """
                #!/bin/sh
                trap 'exit 11' QUIT
                touch "$OPUB_TEST_RECORD/started"
                while :; do sleep 0.05; done
                """
            try await withRunningAgent(script: script) { _, running in
                kill(-running.pid, SIGQUIT)
                #expect(await running.wait() == 11)
            }
        }

        @Test("SIGHUP sent to opub alone is forwarded to the agent")
        func forwardsHangup() async throws {
            let script = """
                #!/bin/sh
                trap 'echo hup > "$OPUB_TEST_RECORD/hup"; exit 9' HUP
                touch "$OPUB_TEST_RECORD/started"
                while :; do sleep 0.05; done
                """
            try await withRunningAgent(script: script) { world, running in
                kill(running.pid, SIGHUP)
                #expect(await running.wait() == 9)
                #expect(world.temp.read(world.temp.records + "/hup") == "hup\n")
            }
        }

        @Test("SIGTERM sent to opub alone is forwarded: an agent with default handling dies of it, opub exits 143")
        func forwardsTerminate() async throws {
            try await withRunningAgent(script: Self.waitsForever) { world, running in
                kill(running.pid, SIGTERM)
                #expect(await running.wait() == 143)
                let sessionID = (world.temp.read(world.temp.records + "/session") ?? "").trimmingCharacters(
                    in: .whitespacesAndNewlines)
                #expect(!sessionID.isEmpty)
                #expect(!FileManager.default.fileExists(atPath: world.temp.runtimeDirectory + "/opub/" + sessionID))
            }
        }
    }
}
