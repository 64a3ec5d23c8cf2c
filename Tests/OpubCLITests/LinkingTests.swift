import Foundation
import OpubCLI
import OpubCore
import OpubSurfaces
import Testing

extension BinaryTests {
    /// Linking never holds up the agent: with opub down the agent starts at once and stderr says the
    /// session is unlinked; when opub comes back the session links, heartbeats, and ends.
    @Suite("opub run: linking")
    struct LinkingTests {
        static let waitsForStop = """
            #!/bin/sh
            echo "$OPUB_SESSION_ID" > "$OPUB_TEST_RECORD/session"
            touch "$OPUB_TEST_RECORD/started"
            while [ ! -e "$OPUB_TEST_RECORD/stop" ]; do sleep 0.05; done
            exit 0
            """

        /// A loopback port nothing listens on (yet).
        static func freePort() throws -> Int {
            let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(socket) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = 0
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                    bind(socket, pointer, length) == 0 && getsockname(socket, pointer, &length) == 0
                }
            }
            guard bound else { throw CLIError("no free port") }
            return Int(UInt16(bigEndian: address.sin_port))
        }

        @Test("opub unreachable: the agent starts at once, one stderr line says unlinked; opub back: it links")
        func unreachableThenBack() async throws {
            try await withCLIWorld { world in
                #expect(await world.setup("codex").status == 0)
                try world.temp.installProgram("codex", script: Self.waitsForStop)
                let port = try Self.freePort()
                let clock = ContinuousClock()
                let startedAt = clock.now
                let running = try RunningOpub.start(
                    ["run", "codex"],
                    environment: world.environment.merging(["OPUB_SERVER": "http://127.0.0.1:\(port)"]) { $1 },
                    directory: world.temp.repository, logs: world.temp.root)
                let started = await eventually {
                    FileManager.default.fileExists(atPath: world.temp.records + "/started")
                }
                #expect(started)
                #expect(clock.now - startedAt < .seconds(10), "the agent waited for opub")
                #expect(await eventually { running.error.contains("is unlinked") })
                #expect(running.error.components(separatedBy: "is unlinked").count == 2, "\(running.error)")
                let sessionID = (world.temp.read(world.temp.records + "/session") ?? "").trimmingCharacters(
                    in: .whitespacesAndNewlines)
                #expect(await world.server.sessions[sessionID] == nil)

                // opub comes back on the same address.
                try await CLIServerStandIn(state: world.server).serve(port: port) { _ in
                    let linked = await eventually(timeout: .seconds(30)) {
                        await (world.server.sessions[sessionID]?.heartbeats ?? 0) >= 1
                    }
                    #expect(linked, "\(running.error)")
                    #expect(await world.server.sessions[sessionID]?.start.surface == "codex")
                    try "".write(toFile: world.temp.records + "/stop", atomically: true, encoding: .utf8)
                    #expect(await running.wait() == 0)
                    #expect(await world.server.sessions[sessionID]?.end == CLISessionEnd(exitCode: 0, reason: "exited"))
                }
                #expect(running.error.contains("session \(sessionID) is now linked"))
                #expect(!running.error.contains(world.secret))
            }
        }

        @Test("opub accepting connections but never answering: the agent starts while the link call is pending")
        func hangingServer() async throws {
            try await withCLIWorld { world in
                #expect(await world.setup("codex").status == 0)
                try world.temp.installProgram("codex", script: Self.waitsForStop)
                // A listening socket that never accepts: connections complete in the backlog, no answer comes.
                let listener = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
                defer { close(listener) }
                var address = sockaddr_in()
                address.sin_family = sa_family_t(AF_INET)
                address.sin_addr.s_addr = inet_addr("127.0.0.1")
                var length = socklen_t(MemoryLayout<sockaddr_in>.size)
                let listening = withUnsafeMutablePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                        bind(listener, pointer, length) == 0 && listen(listener, 16) == 0
                            && getsockname(listener, pointer, &length) == 0
                    }
                }
                #expect(listening)
                let port = Int(UInt16(bigEndian: address.sin_port))
                let running = try RunningOpub.start(
                    ["run", "codex"],
                    environment: world.environment.merging(["OPUB_SERVER": "http://127.0.0.1:\(port)"]) { $1 },
                    directory: world.temp.repository, logs: world.temp.root)
                #expect(await eventually { FileManager.default.fileExists(atPath: world.temp.records + "/started") })
                // The link call times out after 5 s and only then says "unlinked": the agent did not wait for it.
                #expect(!running.error.contains("unlinked"))
                #expect(await eventually { running.error.contains("is unlinked") })
                try "".write(toFile: world.temp.records + "/stop", atomically: true, encoding: .utf8)
                #expect(await running.wait() == 0)
            }
        }

        @Test("the server's notice on linking (direct use since the last session) is one stderr line")
        func directUseNotice() async throws {
            try await withCLIWorld { world in
                #expect(await world.setup("codex").status == 0)
                try world.temp.installProgram("codex", script: Self.waitsForStop)
                let line = CLISessionStarted.directUseNotice(CLIAmount(Money(cents: 42))) ?? ""
                await world.server.announce([line])
                let running = try RunningOpub.start(
                    ["run", "codex"], environment: world.environment, directory: world.temp.repository,
                    logs: world.temp.root)
                #expect(await eventually { running.error.contains("$0.42 spent outside opub sessions") })
                try "".write(toFile: world.temp.records + "/stop", atomically: true, encoding: .utf8)
                #expect(await running.wait() == 0)
                #expect(running.error.components(separatedBy: "spent outside opub sessions").count == 2)
            }
        }

        @Test("a linked session heartbeats, and a key disabled meanwhile is reported once on stderr")
        func heartbeatsAndDisabledKey() async throws {
            try await withCLIWorld { world in
                #expect(await world.setup("codex").status == 0)
                try world.temp.installProgram("codex", script: Self.waitsForStop)
                let running = try RunningOpub.start(
                    ["run", "codex"], environment: world.environment, directory: world.temp.repository,
                    logs: world.temp.root)
                #expect(await eventually { FileManager.default.fileExists(atPath: world.temp.records + "/started") })
                let sessionID = (world.temp.read(world.temp.records + "/session") ?? "").trimmingCharacters(
                    in: .whitespacesAndNewlines)
                #expect(await eventually { await (world.server.sessions[sessionID]?.heartbeats ?? 0) >= 2 })
                #expect(!running.error.contains("unlinked"))
                let status = await world.opub(["status", "--json"])
                let report = try #require(
                    try JSONSerialization.jsonObject(with: Data(status.output.utf8)) as? [String: Any])
                let sessions = report["sessions"] as? [[String: Any]]
                #expect(sessions?.first?["id"] as? String == sessionID)
                #expect(sessions?.first?["linked"] as? Bool == true)
                await world.server.disable(world.keyID, reason: "balance_exhausted")
                #expect(await eventually { running.error.contains("opub disabled this key") })
                try "".write(toFile: world.temp.records + "/stop", atomically: true, encoding: .utf8)
                #expect(await running.wait() == 0)
                #expect(running.error.components(separatedBy: "opub disabled this key").count == 2)
            }
        }
    }
}
