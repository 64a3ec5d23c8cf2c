import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import OpubCore
import OpubServer
import OpubStore
import OpubTestSupport
import Testing

@Suite("Sandbox: sign-in, donation, checkout, public lists", .serialized)
struct SandboxFlowTests {
    @Test(
        "a sandbox donation completes through the signed webhook path and credits the project",
        arguments: TestEngine.available)
    func donationFlow(engine: TestEngine) async throws {
        try await withTestStore(engine) { store, _ in
            try await withAppWorld(try await sandboxConfiguration(), store: store) { app in
                let ada = try await sandboxSignIn(app, "ada")
                let me = try await ada.get(app, "/api/v1/me")
                #expect(me.status == .ok)
                #expect((try me.json()["user"] as? [String: Any])?["login"] as? String == "ada")

                let created = try await ada.post(
                    app, "/api/v1/projects/acme/widgets/donations",
                    json: #"{"amount":"25.00","attribution":{"display_name":"Ada <L>","message":"Thanks & more"}}"#)
                #expect(created.status == .created, "\(created.text)")
                let checkoutURL = try #require(try created.json()["checkout_url"] as? String)
                let session = try #require(checkoutURL.components(separatedBy: "/sandbox/checkout/").last)
                #expect(session.hasPrefix("cs_sandbox_"))
                let page = try await ada.get(app, "/sandbox/checkout/\(session)")
                #expect(page.status == .ok)
                #expect(page.text.contains("Ada &lt;L&gt;"))
                #expect(!page.text.contains("Ada <L>"))
                #expect(page.text.contains("Sandbox mode"))

                let paid = try await ada.post(app, "/sandbox/checkout/\(session)/complete")
                #expect(paid.status == .ok, "\(paid.text)")
                #expect(try paid.json()["status"] as? String == "completed")
                // Paying again changes nothing.
                _ = try await ada.post(app, "/sandbox/checkout/\(session)/complete")

                let project = try await Browser.anonymous.get(app, "/api/v1/projects/acme/widgets").json()
                #expect((project["donated"] as? [String: Any])?["usd"] as? String == "25.000000")
                #expect((project["available"] as? [String: Any])?["micros"] as? Int == 25_000_000)
                #expect(project["claimed"] as? Bool == false)

                let list = try await Browser.anonymous.get(app, "/api/v1/projects/acme/widgets/donations")
                #expect(list.text.contains(#""display_name":"Ada \u003cL\u003e""#))
                #expect(!list.text.contains("donor@sandbox.invalid"))
                #expect(!list.text.contains("pi_sandbox"))
                let mine = try await ada.get(app, "/api/v1/me/donations").json()
                #expect(((mine["items"] as? [[String: Any]])?.first)?["status"] as? String == "completed")

                let verification = try await LedgerVerifier(store: store).verify()
                #expect(verification.violations == [])
                #expect(verification.transactionsChecked == 1)
                #expect(try await count("stripe_events", store) == 1)
            }
        }
    }

    @Test("anonymous attribution hides the name; bad attribution and amounts are refused with a reason")
    func attributionAndAmounts() async throws {
        try await withTestStore(.sqlite) { store, _ in
            try await withAppWorld(try await sandboxConfiguration(["OPUB_DONATION_MAX": "100.00"]), store: store) {
                app in
                let bob = try await sandboxSignIn(app, "bob")
                let path = "/api/v1/projects/acme/widgets/donations"
                let cases: [(String, HTTPResponse.Status, String)] = [
                    (#"{"amount":"0.50"}"#, .unprocessableContent, "donation_too_small"),
                    (#"{"amount":"100.01"}"#, .unprocessableContent, "donation_too_large"),
                    (#"{"amount":"1.001"}"#, .badRequest, "invalid_amount"),
                    (#"{"amount":25}"#, .badRequest, "wrong_type"),
                    (#"{}"#, .badRequest, "missing_field"),
                    (#"{"amount":"5.00","tip":"1"}"#, .badRequest, "unknown_field"),
                    (#"{"amount":"5.00","attribution":{"name":"x"}}"#, .badRequest, "unknown_field"),
                    (#"{"amount":"5.00","attribution":{"display_name":"a\nb"}}"#, .badRequest, "invalid_attribution"),
                    (
                        #"{"amount":"5.00","attribution":{"display_name":"\#(String(repeating: "n", count: 65))"}}"#,
                        .badRequest, "invalid_attribution"
                    ),
                    (
                        #"{"amount":"5.00","attribution":{"message":"\#(String(repeating: "m", count: 281))"}}"#,
                        .badRequest, "invalid_attribution"
                    ),
                    (
                        #"{"amount":"5.00","attribution":{"display_name":"x","anonymous":true}}"#, .badRequest,
                        "conflicting_fields"
                    ),
                    (#"{"amount":"5.00","attribution":"x"}"#, .badRequest, "wrong_type"),
                    (#"[1]"#, .badRequest, "malformed_json"),
                    (#"{"amount":"#, .badRequest, "malformed_json"),
                ]
                for (body, status, code) in cases {
                    let response = try await bob.post(app, path, json: body)
                    #expect(response.status == status, "\(body) → \(response.text)")
                    #expect(response.errorCode == code, "\(body) → \(response.text)")
                }
                #expect(try await count("donations", store) == 0)

                let anonymous = try await bob.post(
                    app, path, json: #"{"amount":"5.00","attribution":{"anonymous":true,"message":"hi"}}"#)
                #expect(anonymous.status == .created)
                let session = try #require(
                    (try anonymous.json()["checkout_url"] as? String)?.components(separatedBy: "/").last)
                _ = try await bob.post(app, "/sandbox/checkout/\(session)/complete")
                let list = try await Browser.anonymous.get(app, "/api/v1/projects/acme/widgets/donations").json()
                let item = try #require((list["items"] as? [[String: Any]])?.first)
                #expect(item["anonymous"] as? Bool == true)
                #expect(item["display_name"] is NSNull)
                // Without a name, the GitHub login is shown.
                let named = try await bob.post(app, path, json: #"{"amount":"6.00"}"#)
                let namedSession = try #require(
                    (try named.json()["checkout_url"] as? String)?.components(separatedBy: "/").last)
                _ = try await bob.post(app, "/sandbox/checkout/\(namedSession)/complete")
                let again = try await Browser.anonymous.get(app, "/api/v1/projects/acme/widgets/donations").json()
                #expect((again["items"] as? [[String: Any]])?.first?["display_name"] as? String == "bob")
            }
        }
    }

    @Test("bad input is a 4xx with the error shape, never a 500")
    func badInput() async throws {
        try await withTestStore(.sqlite) { store, _ in
            try await withAppWorld(try await sandboxConfiguration(), store: store) { app in
                let eve = try await sandboxSignIn(app, "eve")
                let big = String(repeating: "x", count: 70 * 1024)
                let tooLarge = try await eve.post(app, "/api/v1/projects", json: #"{"owner":"\#(big)"}"#)
                #expect(tooLarge.status == .contentTooLarge)
                #expect(tooLarge.errorCode == "body_too_large")
                let badPath = try await Browser.anonymous.get(app, "/api/v1/projects/-bad-/x")
                #expect(badPath.status == .badRequest)
                #expect(badPath.errorCode == "invalid_repository_name")
                let missing = try await Browser.anonymous.get(app, "/api/v1/projects/nobody/nothing")
                #expect(missing.status == .notFound)
                #expect(missing.errorCode == "project_not_found")
                let noRoute = try await Browser.anonymous.get(app, "/nowhere")
                #expect(noRoute.status == .notFound)
                let error = try #require(try noRoute.json()["error"] as? [String: Any])
                #expect(error["message"] is String)
                #expect(error["details"] is [String: Any])
                let method = try await app.client.execute(uri: "/api/v1/me", method: .delete)
                #expect(method.status == .methodNotAllowed)
                #expect(method.headers[.allow] == "GET")
                var plain = eve.headers()
                plain[.contentType] = "text/plain"
                let notJSON = try await app.client.execute(
                    uri: "/api/v1/projects", method: .post, headers: plain, body: ByteBuffer(string: "x"))
                #expect(notJSON.status == .unsupportedMediaType)
                let badSort = try await Browser.anonymous.get(app, "/api/v1/projects?sort=size")
                #expect(badSort.errorCode == "invalid_parameter")
                let badCursor = try await Browser.anonymous.get(app, "/api/v1/projects?cursor=zzz")
                #expect(badCursor.errorCode == "invalid_cursor")
                let badLimit = try await Browser.anonymous.get(app, "/api/v1/projects?limit=0")
                #expect(badLimit.status == .badRequest)
                let signIn = try await app.client.execute(
                    uri: "/auth/sandbox", method: .post, headers: [.contentType: "application/json"],
                    body: ByteBuffer(string: #"{"login":"not a login"}"#))
                #expect(signIn.errorCode == "invalid_login")
            }
        }
    }

    @Test("sign-out deletes the session; an idle session expires after 7 days")
    func sessions() async throws {
        let clock = ManualClock(Timestamp.now())
        try await withTestStore(.sqlite, clock: clock) { store, _ in
            try await withAppWorld(try await sandboxConfiguration(), store: store, clock: clock) { app in
                let ada = try await sandboxSignIn(app, "ada")
                #expect(try await count("web_sessions", store) == 1)
                let signOut = try await ada.post(app, "/auth/sign-out")
                #expect(signOut.status == .noContent)
                #expect(signOut.headers[values: .setCookie].contains { $0.contains("Max-Age=0") })
                #expect(try await count("web_sessions", store) == 0)
                #expect(try await ada.get(app, "/api/v1/me").status == .unauthorized)

                let bob = try await sandboxSignIn(app, "bob")
                clock.advance(seconds: 6 * 24 * 3600)
                #expect(try await bob.get(app, "/api/v1/me").status == .ok)
                clock.advance(seconds: 6 * 24 * 3600)
                // Used a day ago: still alive (the idle clock restarted).
                #expect(try await bob.get(app, "/api/v1/me").status == .ok)
                clock.advance(seconds: 7 * 24 * 3600 + 61)
                #expect(try await bob.get(app, "/api/v1/me").status == .unauthorized)
                #expect(try await count("web_sessions", store) == 0)
            }
        }
    }

    /// The sandbox sign-in form's token and the cookie it is bound to, as a browser gets them.
    static func signInForm(_ app: AppWorld) async throws -> (token: String, cookie: String) {
        let page = try await app.client.execute(uri: "/auth/sandbox", method: .get)
        let token = try #require(htmlCaptures(page.text, #"name="csrf_token" value="([^"]+)""#).first)
        let cookie = try #require(cookieValue(page, name: "opub_signin_csrf"))
        return (token, cookie)
    }

    static func postSignInForm(_ app: AppWorld, _ body: String, cookie: String?) async throws -> TestResponse {
        var headers: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
        if let cookie { headers[.cookie] = "opub_signin_csrf=\(cookie)" }
        return try await app.client.execute(
            uri: "/auth/sandbox", method: .post, headers: headers, body: ByteBuffer(string: body))
    }

    @Test("the session cookie is HttpOnly, SameSite=Lax, not Secure in sandbox; the id is stored hashed")
    func cookieAttributes() async throws {
        try await withTestStore(.sqlite) { store, _ in
            try await withAppWorld(try await sandboxConfiguration(), store: store) { app in
                let form = try await Self.signInForm(app)
                let response = try await Self.postSignInForm(
                    app, "login=ada&return_to=%2Fme&csrf_token=\(form.token)", cookie: form.cookie)
                #expect(response.status == .seeOther)
                #expect(response.headers[.location] == "/me")
                let header = try #require(response.headers[values: .setCookie].first { $0.hasPrefix("opub_session=") })
                #expect(header.contains("HttpOnly"))
                #expect(header.contains("SameSite=Lax"))
                #expect(!header.contains("Secure"))
                let value = try #require(sessionCookie(response))
                #expect(Base64URL.decode(value)?.count == 32)
                let stored = try #require(try await store.sessions.find(idHash: TokenHashForTests.sha256Hex(value)))
                #expect(stored.idHash != value)
                // An open redirect is refused.
                let outside = try await Self.postSignInForm(
                    app, "login=ada&return_to=%2F%2Fevil.example&csrf_token=\(form.token)", cookie: form.cookie)
                #expect(outside.headers[.location] == "/")
            }
        }
    }

    @Test("the sandbox sign-in form needs its CSRF token and the cookie it is bound to; nothing is signed in without")
    func signInFormCSRF() async throws {
        try await withTestStore(.sqlite) { store, _ in
            try await withAppWorld(try await sandboxConfiguration(), store: store) { app in
                let form = try await Self.signInForm(app)
                for (body, cookie) in [
                    ("login=mallory", form.cookie), ("login=mallory&csrf_token=\(form.token)", nil),
                    ("login=mallory&csrf_token=AAAA\(form.token.dropFirst(4))", form.cookie),
                ] {
                    let refused = try await Self.postSignInForm(app, body, cookie: cookie)
                    #expect(refused.status == .forbidden, "\(body)")
                    #expect(sessionCookie(refused) == nil)
                }
                #expect(try await count("web_sessions", store) == 0)
            }
        }
    }

    @Test("a form post carries the CSRF token as a field")
    func csrfFormField() async throws {
        try await withTestStore(.sqlite) { store, _ in
            try await withAppWorld(try await sandboxConfiguration(), store: store) { app in
                let ada = try await sandboxSignIn(app, "ada")
                var headers = ada.headers(csrf: .missing)
                headers[.contentType] = "application/x-www-form-urlencoded"
                let refused = try await app.client.execute(
                    uri: "/auth/sign-out", method: .post, headers: headers, body: ByteBuffer(string: "csrf_token=nope"))
                #expect(refused.status == .forbidden)
                #expect(try await count("web_sessions", store) == 1)
                let accepted = try await app.client.execute(
                    uri: "/auth/sign-out", method: .post, headers: headers,
                    body: ByteBuffer(string: "csrf_token=\(ada.csrf ?? "")"))
                #expect(accepted.status == .seeOther)
                #expect(try await count("web_sessions", store) == 0)
            }
        }
    }

    @Test("health, readiness and metrics")
    func operations() async throws {
        try await withTestStore(.sqlite) { store, _ in
            try await withAppWorld(try await sandboxConfiguration(), store: store) { app in
                #expect(try await Browser.anonymous.get(app, "/healthz").status == .ok)
                let ready = try await Browser.anonymous.get(app, "/readyz")
                #expect(ready.status == .ok)
                #expect((try ready.json()["checks"] as? [String: String])?["migrations"] == "ok")
                #expect((try ready.json()["checks"] as? [String: String])?["provider"] == "not checked yet")
                _ = try await Browser.anonymous.get(app, "/nowhere")
                let metrics = try await Browser.anonymous.get(app, "/metrics")
                #expect(
                    metrics.text.contains(#"opub_http_requests_total{route="/readyz",method="GET",status="200"} 1"#))
                #expect(metrics.text.contains(#"route="unmatched",method="GET",status="404""#))
                #expect(metrics.text.contains("opub_http_request_duration_seconds_bucket"))
                let spec = try await Browser.anonymous.get(app, "/api/openapi.yaml")
                #expect(spec.text.hasPrefix("openapi: 3.1.0"))
            }
        }
    }

    @Test("readiness fails while migrations are pending")
    func notReady() async throws {
        let url = try await makeTestDatabase(.sqlite)
        defer { Task { try? await dropTestDatabase(url) } }
        try await Store.withStore(url: url, logger: quietLogger()) { store in
            try await Migrator(engine: store.engine, migrations: Array(Migration.all.prefix(2))).migrate()
            try await withAppWorld(try await sandboxConfiguration(), store: store) { app in
                let ready = try await Browser.anonymous.get(app, "/readyz")
                #expect(ready.status == .serviceUnavailable)
                #expect(try ready.json()["status"] as? String == "not_ready")
            }
        }
    }

    @Test("rate limits answer 429 with Retry-After")
    func rateLimits() async throws {
        let clock = ManualClock(Timestamp.now())
        try await withTestStore(.sqlite, clock: clock) { store, _ in
            let limits = RateLimits(
                limiter: RateLimiter(clock: clock),
                signIn: RateLimitRule(
                    name: "sign_in", perIP: TokenBucket(capacity: 2, secondsPerToken: 30), perUser: nil),
                donationCreation: RateLimitRule(
                    name: "donation_creation", perIP: nil, perUser: TokenBucket(capacity: 1, secondsPerToken: 60)))
            try await withAppWorld(try await sandboxConfiguration(), store: store, clock: clock, rateLimits: limits) {
                app in
                let ada = try await sandboxSignIn(app, "ada")
                let bob = try await sandboxSignIn(app, "bob")
                await #expect(throws: TestFailure.self) { _ = try await sandboxSignIn(app, "cyd") }
                let limited = try await app.client.execute(
                    uri: "/auth/sandbox", method: .post, headers: [.contentType: "application/json"],
                    body: ByteBuffer(string: #"{"login":"cyd"}"#))
                #expect(limited.status == .tooManyRequests)
                #expect(limited.headers[.retryAfter] == "30")
                let path = "/api/v1/projects/acme/widgets/donations"
                #expect(try await ada.post(app, path, json: #"{"amount":"5.00"}"#).status == .created)
                let second = try await ada.post(app, path, json: #"{"amount":"5.00"}"#)
                #expect(second.status == .tooManyRequests)
                #expect(second.headers[.retryAfter] == "60")
                // Per user: Bob still may.
                #expect(try await bob.post(app, path, json: #"{"amount":"5.00"}"#).status == .created)
                clock.advance(seconds: 60)
                #expect(try await ada.post(app, path, json: #"{"amount":"5.00"}"#).status == .created)
            }
        }
    }
}

/// SHA-256 hex, as the store keys sessions.
enum TokenHashForTests {
    static func sha256Hex(_ text: String) -> String {
        Hex.encode(SHA256Digest.of(Array(text.utf8)))
    }
}
