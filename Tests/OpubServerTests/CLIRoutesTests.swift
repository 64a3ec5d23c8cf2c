import AsyncHTTPClient
import Foundation
import OpenRouterSim
import OpubCore
import OpubServer
import OpubStore
import OpubTestSupport
import Testing

/// The CLI routes over HTTP: link-token authentication, sessions, heartbeats, the end that
/// reconciles, the kill switch; and the public data they feed.
@Suite("CLI routes", .serialized)
struct CLIRoutesTests {
    static func startBody(_ key: KeyID, surface: String = "claude") -> String {
        #"{"key_id":"\#(key)","surface":"\#(surface)","surface_version":"1.0.3","cli_version":"0.1.0","os":"linux"}"#
    }

    @Test("link token: missing 401, unknown 401, another key's 403, disabled key 409", arguments: TestEngine.available)
    func authentication(engine: TestEngine) async throws {
        try await withKeyWorld(engine) { world in
            let owner = try await world.maintainer("owner", of: "acme/widgets", dollars: 30)
            let first = try await world.createKey(owner, in: "acme/widgets", keyName: "one")
            let second = try await world.createKey(owner, in: "acme/widgets", keyName: "two")
            let token = LinkToken.derive(secret: first.secret, keyID: first.id)
            let otherToken = LinkToken.derive(secret: second.secret, keyID: second.id)
            let path = "/api/v1/cli/keys/\(first.id)"

            let status = try await world.cli("GET", path, token: token)
            #expect(status.status == 200, "\(status.body)")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(status.body.utf8)) as? [String: Any])
            #expect((json["key"] as? [String: Any])?["state"] as? String == "active")
            #expect((json["project"] as? [String: Any])?["full_name"] as? String == "acme/widgets")
            #expect(json["provider_url"] as? String == world.simulator.baseURL)
            #expect(json["heartbeat_interval_seconds"] as? Int == 30)
            #expect((json["recommended_models"] as? [String: String])?["vibe"] == "mistralai/devstral-2512")
            #expect(!status.body.contains(first.secret))

            #expect(try await world.cli("GET", path, token: nil).body.contains("link_token_required"))
            #expect(try await world.cli("GET", path, token: nil).status == 401)
            // The secret itself is not a link token, and neither is a token derived for another key id.
            #expect(try await world.cli("GET", path, token: first.secret).status == 401)
            let forged = LinkToken.derive(secret: first.secret, keyID: second.id)
            #expect(try await world.cli("GET", path, token: forged).body.contains("invalid_link_token"))
            let wrongKey = try await world.cli("GET", path, token: otherToken)
            #expect(wrongKey.status == 403 && wrongKey.body.contains("wrong_key"))

            let session = SessionID.random()
            let start = try await world.cli(
                "PUT", "/api/v1/cli/sessions/\(session)", token: otherToken, json: Self.startBody(first.id))
            #expect(start.status == 403, "\(start.body)")
            #expect(try await world.store.agentSessions.find(session) == nil)

            // Revoked: the key reads as disabled, and can neither start nor keep sessions.
            let running = SessionID.random()
            #expect(
                try await world.cli(
                    "PUT", "/api/v1/cli/sessions/\(running)", token: token, json: Self.startBody(first.id)
                ).status == 201)
            #expect(
                try await owner.post(world.app, "/api/v1/projects/acme/widgets/keys/\(first.id)/revoke").status == .ok)
            let disabled = try await world.cli("GET", path, token: token)
            #expect(disabled.status == 200 && disabled.body.contains(#""disabled_reason":"revoked""#))
            let beat = try await world.cli("POST", "/api/v1/cli/sessions/\(running)/heartbeat", token: token)
            #expect(beat.status == 409 && beat.body.contains("key_disabled"), "\(beat.body)")
            let late = try await world.cli(
                "PUT", "/api/v1/cli/sessions/\(SessionID.random())", token: token, json: Self.startBody(first.id))
            #expect(late.status == 409 && late.body.contains("key_disabled"))
            // Another key's token cannot touch this key's session.
            let foreign = try await world.cli("POST", "/api/v1/cli/sessions/\(running)/heartbeat", token: otherToken)
            #expect(foreign.status == 403)
        }
    }

    @Test("a recommended model the provider does not list is not recommended, and /readyz says so")
    func unlistedRecommendedModel() async throws {
        try await withKeyWorld(.sqlite, extra: ["OPUB_RECOMMENDED_MODELS": "claude=anthropic/claude-sonnet-4"]) {
            world in
            let owner = try await world.maintainer("owner", of: "acme/widgets", dollars: 30)
            let key = try await world.createKey(owner, in: "acme/widgets")
            let token = LinkToken.derive(secret: key.secret, keyID: key.id)
            func recommended() async throws -> [String: String] {
                let status = try await world.cli("GET", "/api/v1/cli/keys/\(key.id)", token: token)
                let json = try JSONSerialization.jsonObject(with: Data(status.body.utf8)) as? [String: Any]
                return json?["recommended_models"] as? [String: String] ?? [:]
            }
            // Until the provider has been asked, the configured models stand.
            #expect(try await recommended()["claude"] == "anthropic/claude-sonnet-4")
            let dependencies = world.app.dependencies
            let check = RecommendedModelCheck(
                models: dependencies.recommendedModels, provider: try #require(dependencies.provider),
                logger: quietLogger())
            #expect(await check.check())
            let after = try await recommended()
            #expect(after["claude"] == nil, "a retired model is not handed to the agent")
            #expect(after["codex"] == "openai/gpt-5.3-codex")
            let ready = try await Browser.anonymous.get(world.app, "/readyz").json()
            let checks = ready["checks"] as? [String: String]
            #expect(checks?["recommended_models"]?.contains("claude=anthropic/claude-sonnet-4") == true)
            #expect(ready["status"] as? String == "ready", "agents still run on their own default model")
        }
    }

    @Test("a linked session: start (idempotent), heartbeat, agent spend, end → targeted reconcile → linked spend")
    func linkedSession() async throws {
        let clock = ManualTimeSource(Timestamp.now())
        try await withKeyWorld(.sqlite, clock: clock) { world in
            let owner = try await world.maintainer("owner", of: "acme/widgets", dollars: 30)
            let key = try await world.createKey(owner, in: "acme/widgets")
            let token = LinkToken.derive(secret: key.secret, keyID: key.id)
            let session = SessionID.random()
            let sessionPath = "/api/v1/cli/sessions/\(session)"
            for _ in 0..<2 {
                let start = try await world.cli("PUT", sessionPath, token: token, json: Self.startBody(key.id))
                #expect(start.status == 201, "\(start.body)")
            }
            #expect(try await count("agent_sessions", world.store) == 1)
            #expect(try await world.cli("POST", sessionPath + "/heartbeat", token: token).status == 204)
            let project = try await Browser.anonymous.get(world.app, "/api/v1/projects/acme/widgets").json()
            #expect(project["active_sessions"] as? Int == 1)

            clock.advance(seconds: 5)
            try await world.chat(secret: key.secret, session: session)
            try await world.chat(secret: key.secret, session: session)
            clock.advance(seconds: 5)
            let end = try await world.cli(
                "POST", sessionPath + "/end", token: token, json: #"{"exit_code":0,"reason":"exited"}"#)
            #expect(end.status == 204, "\(end.body)")

            // The targeted reconcile runs in the background: wait for the spend.
            var spend: [LedgerTransaction] = []
            for _ in 0..<100 {
                spend = try await world.store.ledger.all(of: key.id.projectID(world)).filter { $0.kind == .spend }
                if !spend.isEmpty { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(spend.count == 1)
            #expect(spend.first?.sessionID == session)
            // Replays (quality.md): the same start and end ten times more change the ledger no further,
            // and queue no further provider reconcile.
            let ledgerSize = try await world.store.ledger.count()
            let reconciles = try #require(world.app.dependencies.keyReconciles).startedCount
            #expect(reconciles == 1)
            for _ in 0..<10 {
                _ = try await world.cli("PUT", sessionPath, token: token, json: Self.startBody(key.id))
                let again = try await world.cli(
                    "POST", sessionPath + "/end", token: token, json: #"{"exit_code":0,"reason":"exited"}"#)
                #expect(again.status == 204)
            }
            try await Task.sleep(for: .milliseconds(300))
            #expect(try await world.store.ledger.count() == ledgerSize)
            #expect(world.app.dependencies.keyReconciles?.startedCount == reconciles)
            #expect(try await count("agent_sessions", world.store) == 1)

            let summary = try await Browser.anonymous.get(world.app, "/api/v1/projects/acme/widgets").json()
            #expect(summary["linked_coverage_30d"] as? Double == 1.0)
            #expect(summary["active_sessions"] as? Int == 0)
            // The detail by model comes a day late: today the JSON says so instead of showing nothing.
            let today = try await Browser.anonymous.get(world.app, "/api/v1/projects/acme/widgets/spend").json()
            #expect((today["items"] as? [Any])?.isEmpty == true)
            #expect(today["detail_pending_keys"] as? Int == 1)
            #expect((today["detail_note"] as? String)?.contains("arrives the next day") == true)
            let page = try await Browser.anonymous.get(world.app, "/github/acme/widgets")
            #expect(page.text.contains("Detail by model arrives the next day"))
            // Once the day has ended, a reconcile cycle reads it.
            clock.advance(seconds: 86_400)
            let cycle = try await #require(world.app.dependencies.reconcileExecutor).runCycle()
            #expect(cycle.detailRead == 1, "\(cycle.errors)")
            let usage = try await Browser.anonymous.get(world.app, "/api/v1/projects/acme/widgets/spend")
            #expect(usage.status == .ok)
            #expect(try usage.json()["detail_pending_keys"] as? Int == 0)
            let rows = try #require(try usage.json()["items"] as? [[String: Any]])
            #expect(rows.count == 1)
            #expect(rows.first?["model"] as? String == "openai/gpt-5.4-mini")
            #expect(rows.first?["linked"] as? Bool == true)
            #expect(rows.first?["requests"] as? Int == 2)
            #expect((rows.first?["key"] as? [String: Any])?["name"] as? String == "laptop")
            let sessions = try await Browser.anonymous.get(world.app, "/api/v1/projects/acme/widgets/sessions")
            #expect(sessions.text.contains(#""surface":"claude""#))
            #expect(sessions.text.contains(#""end_reason":"exited""#))
            #expect(!sessions.text.contains("linux"), "host details are for maintainers only")

            // The ledger with hashes, as JSON and CSV.
            let ledger = try await Browser.anonymous.get(world.app, "/api/v1/projects/acme/widgets/ledger")
            let items = try #require(try ledger.json()["items"] as? [[String: Any]])
            #expect(items.first?["kind"] as? String == "spend")
            #expect(items.first?["session"] as? String == session.rawValue)
            #expect((items.first?["hash"] as? String)?.count == 64)
            let csv = try await Browser.anonymous.get(world.app, "/api/v1/projects/acme/widgets/ledger?format=csv")
            #expect(csv.headers[.contentType] == "text/csv; charset=utf-8")
            #expect(csv.text.split(separator: "\r\n").count == items.count + 1)

            // Heartbeat after the end: the session is over.
            let after = try await world.cli("POST", sessionPath + "/heartbeat", token: token)
            #expect(after.status == 409 && after.body.contains("session_ended"))
            #expect(try await LedgerVerifier(store: world.store).verify().violations == [])
        }
    }

    @Test("the kill switch revokes through the link token; bad bodies and ids get a clear 400")
    func killSwitchAndBadInput() async throws {
        try await withKeyWorld(.sqlite) { world in
            let owner = try await world.maintainer("owner", of: "acme/widgets", dollars: 30)
            let key = try await world.createKey(owner, in: "acme/widgets")
            let token = LinkToken.derive(secret: key.secret, keyID: key.id)
            for (path, body, code) in [
                ("/api/v1/cli/sessions/nope", Self.startBody(key.id), "invalid_session_id"),
                ("/api/v1/cli/sessions/\(SessionID.random())", #"{"key_id":"\#(key.id)"}"#, "missing_field"),
                (
                    "/api/v1/cli/sessions/\(SessionID.random())",
                    #"{"key_id":"\#(key.id)","surface":"x\ny","cli_version":"1","os":"linux"}"#, "invalid_surface"
                ),
                ("/api/v1/cli/sessions/\(SessionID.random())", Self.startBody(key.id) + "x", "malformed_json"),
            ] {
                let answer = try await world.cli("PUT", path, token: token, json: body)
                #expect(answer.status == 400 && answer.body.contains(code), "\(path): \(answer.body)")
            }
            let missing = try await world.cli(
                "POST", "/api/v1/cli/sessions/\(SessionID.random())/heartbeat", token: token)
            #expect(missing.status == 404 && missing.body.contains("session_not_found"))

            let revoked = try await world.cli("POST", "/api/v1/cli/keys/\(key.id)/revoke", token: token)
            #expect(revoked.status == 202, "\(revoked.body)")
            #expect(try await world.store.keys.find(key.id)?.state.reason == .revoked)
            let remote = try #require(try await world.providerKeys().first { $0.name == "opub:\(key.id)" })
            #expect(remote.disabled)
            // Still answers 202, ten times more, and the ledger (spend, release) changes no further.
            let ledgerSize = try await world.store.ledger.count()
            for _ in 0..<10 {
                #expect(try await world.cli("POST", "/api/v1/cli/keys/\(key.id)/revoke", token: token).status == 202)
            }
            #expect(try await world.store.ledger.count() == ledgerSize)
        }
    }

    @Test("the sweeper ends sessions silent for three heartbeat intervals, as of their last heartbeat plus grace")
    func sweeper() async throws {
        let clock = ManualClock(Timestamp.now())
        try await withKeyWorld(.sqlite, clock: clock) { world in
            let owner = try await world.maintainer("owner", of: "acme/widgets", dollars: 30)
            let key = try await world.createKey(owner, in: "acme/widgets")
            let token = LinkToken.derive(secret: key.secret, keyID: key.id)
            let quiet = SessionID.random()
            let alive = SessionID.random()
            for session in [quiet, alive] {
                #expect(
                    try await world.cli(
                        "PUT", "/api/v1/cli/sessions/\(session)", token: token, json: Self.startBody(key.id)
                    ).status == 201)
            }
            let started = clock.now()
            clock.advance(seconds: 60)
            #expect(try await world.cli("POST", "/api/v1/cli/sessions/\(alive)/heartbeat", token: token).status == 204)
            clock.advance(seconds: 40)
            let sweeper = AgentSessionSweeper(
                store: world.store, clock: clock, logger: quietLogger(), heartbeats: world.app.dependencies.heartbeats)
            let ended = await sweeper.sweep()
            #expect(ended.map(\.id) == [quiet])
            let record = try #require(try await world.store.agentSessions.find(quiet))
            #expect(record.endReason == "timeout")
            #expect(record.endedAt == started.adding(seconds: 90))
            #expect(try await world.store.agentSessions.find(alive)?.isOpen == true)
        }
    }
}

extension KeyID {
    /// The project a key of `world` belongs to.
    func projectID(_ world: KeyWorld) async throws -> ProjectID {
        guard let record = try await world.store.keys.find(self) else { throw TestFailure("no key \(self)") }
        return record.projectID
    }
}
