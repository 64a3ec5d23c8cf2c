import Foundation
import HTTPTypes
import OpenRouter
import OpubCore
import OpubServer
import OpubStore
import OpubTestSupport
import Testing

/// The maintainers' key routes over HTTP, against the GitHub stand-in and a live simulator.
@Suite("Key routes", .serialized)
struct KeyRoutesTests {
    @Test("who may list, create and revoke keys: anonymous 401, others 403, CSRF required; nothing written on refusal")
    func authorization() async throws {
        try await withKeyWorld(.sqlite) { world in
            let app = world.app
            let owner = try await world.maintainer("owner", of: "acme/widgets", dollars: 50)
            let other = try await world.maintainer("other", of: "other/thing", dollars: 50)
            let stranger = try await world.signIn("stranger")
            let created = try await world.createKey(owner, in: "acme/widgets")
            let keysPath = "/api/v1/projects/acme/widgets/keys"
            let revokePath = "\(keysPath)/\(created.id)/revoke"

            for (browser, status, code) in [
                (Browser.anonymous, 401, "sign_in_required"), (stranger, 403, "not_a_maintainer"),
                (other, 403, "not_a_maintainer"),
            ] {
                let keysBefore = try await count("compute_keys", world.store)
                let list = try await browser.get(app, keysPath)
                #expect(list.status.code == status && list.errorCode == code, "list: \(list.text)")
                let create = try await browser.post(app, keysPath, json: #"{"name":"x","limit":"1.00"}"#)
                #expect(create.status.code == status && create.errorCode == code, "create: \(create.text)")
                let revoke = try await browser.post(app, revokePath)
                #expect(revoke.status.code == status && revoke.errorCode == code, "revoke: \(revoke.text)")
                #expect(try await count("compute_keys", world.store) == keysBefore)
                #expect(try await world.store.keys.find(created.id)?.state == .active)
            }
            for mode in [Browser.CSRF.missing, .wrong] {
                let create = try await owner.post(app, keysPath, json: #"{"name":"x","limit":"1.00"}"#, csrf: mode)
                #expect(create.status == .forbidden && create.errorCode == "csrf_token_invalid")
                let revoke = try await owner.post(app, revokePath, csrf: mode)
                #expect(revoke.status == .forbidden && revoke.errorCode == "csrf_token_invalid")
            }
            #expect(try await count("compute_keys", world.store) == 1)
            // A maintainer of another project cannot revoke this key through their own project either.
            let sideways = try await other.post(app, "/api/v1/projects/other/thing/keys/\(created.id)/revoke")
            #expect(sideways.status == .notFound && sideways.errorCode == "key_not_found")
            #expect(try await world.store.keys.find(created.id)?.state == .active)
        }
    }

    @Test("creating a key answers the secret once with the launch table's configs; listing never shows it")
    func createListRevoke() async throws {
        try await withKeyWorld(.sqlite) { world in
            let app = world.app
            let owner = try await world.maintainer("owner", of: "acme/widgets", dollars: 50)
            let response = try await owner.post(
                app, "/api/v1/projects/acme/widgets/keys", json: #"{"name":"ci runner","limit":"12.50"}"#)
            #expect(response.status == .created, "\(response.text)")
            #expect(response.headers[.cacheControl] == "no-store")
            let answer = try response.json()
            let secret = try #require(answer["secret"] as? String)
            #expect(secret.hasPrefix("sk-or-v1-") && secret.count == 73)
            let key = try #require(answer["key"] as? [String: Any])
            let id = try #require((key["id"] as? String).flatMap(KeyID.init))
            #expect(key["state"] as? String == "active")
            #expect((key["limit"] as? [String: Any])?["usd"] as? String == "12.500000")
            let setup = try #require(answer["setup_commands"] as? [String: String])
            #expect(Set(setup.keys) == ["claude", "codex", "copilot", "vibe", "opencode", "continue"])
            #expect(
                setup["claude"]
                    == "opub setup claude --project acme/widgets --compute-key-id \(id) --server http://127.0.0.1:9")
            let environment = try #require(answer["environment"] as? [String: [String: String]])
            #expect(environment["claude"]?["ANTHROPIC_AUTH_TOKEN"] == secret)
            #expect(environment["claude"]?["ANTHROPIC_BASE_URL"] == String(world.simulator.baseURL.dropLast(3)))
            #expect((answer["headers"] as? [String: String])?["X-OpenRouter-Title"] == "opub")
            // Codex needs its provider block besides the key; file-configured agents are named for `opub env`.
            let arguments = try #require(answer["arguments"] as? [String: [String]])
            #expect(arguments["codex"]?.contains("model_provider=\"opub\"") == true)
            #expect(arguments["claude"] == nil)
            #expect(Set(answer["configured_by_files"] as? [String] ?? []).isSuperset(of: ["vibe", "continue"]))
            #expect((answer["install_command"] as? String)?.hasSuffix("/install.sh | sh") == true)

            // At the provider: an absolute limit under opub's name.
            let remote = try await world.providerKeys()
            let made = try #require(remote.first { $0.name == "opub:\(id)" })
            #expect(made.limit == Money(dollars: 12, cents: 50))

            let list = try await owner.get(app, "/api/v1/projects/acme/widgets/keys")
            #expect(list.status == .ok)
            #expect(!list.text.contains(secret))
            #expect(list.text.contains(#""name":"ci runner""#))
            let project = try await Browser.anonymous.get(app, "/api/v1/projects/acme/widgets").json()
            #expect((project["available"] as? [String: Any])?["usd"] as? String == "37.500000")
            #expect(project["active_keys"] as? Int == 1)

            let revoked = try await owner.post(app, "/api/v1/projects/acme/widgets/keys/\(id)/revoke")
            #expect(revoked.status == .ok, "\(revoked.text)")
            let after = try await Browser.anonymous.get(app, "/api/v1/projects/acme/widgets").json()
            #expect((after["available"] as? [String: Any])?["usd"] as? String == "50.000000")
            // Revoking again changes nothing.
            #expect(try await owner.post(app, "/api/v1/projects/acme/widgets/keys/\(id)/revoke").status == .ok)
            #expect(try await LedgerVerifier(store: world.store).verify().violations == [])
        }
    }

    @Test("revoking while the provider is down answers 202 and the key is disabled in opub at once")
    func revokeProviderDown() async throws {
        try await withKeyWorld(.sqlite) { world in
            let owner = try await world.maintainer("owner", of: "acme/widgets", dollars: 20)
            let key = try await world.createKey(owner, in: "acme/widgets")
            try await world.faults(#"[{"route":"PATCH /keys/{hash}","error_status":503}]"#)
            let revoked = try await owner.post(world.app, "/api/v1/projects/acme/widgets/keys/\(key.id)/revoke")
            #expect(revoked.status == .accepted, "\(revoked.text)")
            #expect(revoked.text.contains("Revoked."))
            let record = try #require(try await world.store.keys.find(key.id))
            #expect(record.state == .disabled(.revoked, .disablePending))
        }
    }

    @Test(
        "key requests are refused with an actionable reason and nothing is written",
        arguments: [
            (#"{"name":"a","limit":"60.00"}"#, 422, "insufficient_balance"),
            (#"{"name":"a","limit":"0.50"}"#, 422, "limit_below_minimum"),
            (#"{"name":"a","limit":"1.001"}"#, 400, "invalid_limit"),
            (#"{"name":"a","limit":"-5"}"#, 400, "invalid_limit"),
            (#"{"name":"","limit":"5.00"}"#, 400, "invalid_key_name"),
            (#"{"name":"\#(String(repeating: "n", count: 65))","limit":"5.00"}"#, 400, "invalid_key_name"),
            (#"{"name":"a\u0007b","limit":"5.00"}"#, 400, "invalid_key_name"),
            (#"{"name":"a","limit":5}"#, 400, "wrong_type"),
            (#"{"name":"a"}"#, 400, "missing_field"),
            (#"{"name":"a","limit":"5.00","scope":"all"}"#, 400, "unknown_field"),
            (#"{"name":"a","limit":"5.00","expires_at":"2001-01-01T00:00:00Z"}"#, 400, "invalid_expiry"),
            (#"{"name":"a","limit":"5.00","expires_at":"tomorrow"}"#, 400, "invalid_expiry"),
            (#"{"name":"a","limit":"5.00""#, 400, "malformed_json"),
        ])
    func validation(body: String, status: Int, code: String) async throws {
        try await withKeyWorld(.sqlite) { world in
            let owner = try await world.maintainer("owner", of: "acme/widgets", dollars: 50)
            let response = try await owner.post(world.app, "/api/v1/projects/acme/widgets/keys", json: body)
            #expect(response.status.code == status, "\(body): \(response.text)")
            #expect(response.errorCode == code, "\(body): \(response.text)")
            let message = try #require(((try response.json()["error"]) as? [String: Any])?["message"] as? String)
            #expect(message.count > 10)
            #expect(try await count("compute_keys", world.store) == 0)
            #expect(try await world.providerKeys().isEmpty)
        }
    }

    @Test("a project in debt cannot mint keys")
    func debt() async throws {
        try await withKeyWorld(.sqlite) { world in
            let owner = try await world.maintainer("owner", of: "acme/widgets", dollars: 5)
            let project = try await world.store.projects.require(named: try RepositoryName(parsing: "acme/widgets"))
            try await world.store.ledger.post(
                .refund(nil, amount: Money(dollars: 8)), to: project.id, idempotencyKey: "refund:test", memo: "test")
            let response = try await owner.post(
                world.app, "/api/v1/projects/acme/widgets/keys", json: #"{"name":"a","limit":"1.00"}"#)
            #expect(response.status == .unprocessableContent)
            #expect(response.errorCode == "project_in_debt")
        }
    }
}

@Suite("Readiness and the provider")
struct ProviderReadinessTests {
    @Test("/readyz reports the provider unreachable after a failed cycle, and ready again after a good one")
    func readiness() async throws {
        try await withKeyWorld(.sqlite) { world in
            let dependencies = world.app.dependencies
            let executor = try #require(dependencies.reconcileExecutor)
            let reconciler = Reconciler(
                executor: executor, store: world.store, logger: quietLogger(), health: dependencies.providerHealth)
            try await world.faults(#"[{"route":"*","error_status":503}]"#)
            #expect(await reconciler.runOnce().report == nil)
            let failing = try await Browser.anonymous.get(world.app, "/readyz")
            #expect(failing.status == .serviceUnavailable)
            #expect(
                ((try failing.json()["checks"] as? [String: String])?["provider"])?.hasPrefix("unreachable") == true)
            try await world.faults("[]")
            #expect(await reconciler.runOnce().report != nil)
            let ready = try await Browser.anonymous.get(world.app, "/readyz")
            #expect(ready.status == .ok)
            #expect((try ready.json()["checks"] as? [String: String])?["provider"] == "ok")
        }
    }
}
