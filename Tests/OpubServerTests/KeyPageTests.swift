import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import OpubCore
import OpubServer
import OpubStore
import OpubSurfaces
import OpubTestSupport
import Testing

/// The maintainers' keys pages in a full sandbox served on loopback (the in-process provider is reached
/// over HTTP, so the app must be listening): who may see and post what, the key creation result (the
/// secret once, and exactly what the launch table produces), the one-time form, and revoking.
@Suite("Web: compute keys pages", .serialized)
struct KeyPageTests {
    static let hostileKeyName = #"<script>alert("key")</script>"#

    /// A live sandbox app whose sandbox provider is reachable, with `owner/repo` claimed by `maintainer`
    /// through the claim form and `dollars` granted.
    func withClaimedProject<R: Sendable>(
        maintainer login: String = "maya", dollars: Int64 = 50,
        _ body: @Sendable (AppWorld, Browser, ProjectRecord) async throws -> R
    ) async throws -> R {
        try await withTestStore(.sqlite) { store, _ in
            try await withAppWorld(try await sandboxConfiguration(), store: store, setup: .live) { app in
                guard let port = app.client.port else { throw TestFailure("the app is not live") }
                app.dependencies.urls.setListening("http://127.0.0.1:\(port)")
                let maya = try await sandboxSignIn(app, login)
                let claimed = try await maya.submit(app, "/claim", [("repository", "acme/widgets")])
                guard claimed.status == .seeOther, claimed.headers[.location] == "/github/acme/widgets/keys?claimed=1"
                else { throw TestFailure("claim answered \(claimed.status): \(claimed.text)") }
                let project = try await store.projects.require(named: try RepositoryName(parsing: "acme/widgets"))
                if dollars > 0 {
                    try await store.ledger.post(
                        .grant(amount: Money(dollars: dollars)), to: project.id, idempotencyKey: "seed",
                        memo: "Seed credit")
                }
                return try await body(app, maya, project)
            }
        }
    }

    /// The create form's one-time token on the keys page.
    func formToken(_ page: TestResponse) throws -> String {
        let pattern = #"name="form_token" value="([^"]+)""#
        guard let range = page.text.range(of: pattern, options: .regularExpression) else {
            throw TestFailure("no form token on the page")
        }
        let match = String(page.text[range])
        return String(match.dropFirst(#"name="form_token" value=""#.count).dropLast())
    }

    @Test("signed out → sign in; not a maintainer → 403 page; no CSRF token → 403; nothing is created")
    func authorization() async throws {
        try await withClaimedProject { app, maya, project in
            let keys = "/github/acme/widgets/keys"
            let anonymous = try await Browser.anonymous.page(app, keys)
            #expect(anonymous.status == .seeOther)
            #expect(anonymous.headers[.location] == "/auth/github?return_to=%2Fgithub%2Facme%2Fwidgets%2Fkeys")
            let anonymousPost = try await Browser.anonymous.submit(app, keys, [("name", "x"), ("limit", "5.00")])
            #expect(anonymousPost.status == .seeOther)

            let mallory = try await sandboxSignIn(app, "mallory")
            let forbidden = try await mallory.page(app, keys)
            #expect(forbidden.status == .forbidden)
            #expect(forbidden.headers[.contentType] == "text/html; charset=utf-8")
            #expect(forbidden.text.contains("You can&#39;t do that here"))
            #expect(expectWellFormedPage(forbidden) == [])
            let token = try formToken(try await maya.page(app, keys))
            let malloryPost = try await mallory.submit(
                app, keys,
                [
                    ("form_token", try formToken(try await maya.page(app, keys))), ("name", "stolen"),
                    ("limit", "5.00"),
                ])
            #expect(malloryPost.status == .forbidden)
            #expect(malloryPost.text.contains("maintainer"))
            // Refused before anything is written: not even a used form token.
            #expect(try await count("form_tokens", app.store) == 0)

            // A maintainer of another project is nobody here.
            let other = try await sandboxSignIn(app, "otto")
            _ = try await other.submit(app, "/claim", [("repository", "otto/tools")])
            #expect(try await other.page(app, keys).status == .forbidden)

            for csrf in [Browser.CSRF.missing, .wrong] {
                let forged = try await maya.submit(
                    app, keys, [("form_token", token), ("name", "forged"), ("limit", "5.00")], csrf: csrf)
                #expect(forged.status == .forbidden)
                #expect(forged.text.contains("CSRF token"))
            }
            #expect(try await count("compute_keys", app.store) == 0)
            // The token is still unused: the forged posts were refused before anything ran.
            let created = try await maya.submit(app, keys, [("form_token", token), ("name", "ok"), ("limit", "5.00")])
            #expect(created.status == .created, "\(created.text)")

            let keyID = try #require(try await app.store.keys.all(in: project.id).first?.id)
            let revokePage = "\(keys)/\(keyID)/revoke"
            #expect(try await Browser.anonymous.page(app, revokePage).status == .seeOther)
            #expect(try await mallory.page(app, revokePage).status == .forbidden)
            #expect(try await mallory.submit(app, revokePage, []).status == .forbidden)
            #expect(try await maya.submit(app, revokePage, [], csrf: .missing).status == .forbidden)
            #expect(try await app.store.keys.find(keyID)?.state == .active)
        }
    }

    @Test("the key creation result shows the secret once and exactly the launch table's setup and configs")
    func creationResult() async throws {
        try await withClaimedProject { app, maya, project in
            let keys = "/github/acme/widgets/keys"
            let page = try await maya.page(app, keys + "?claimed=1")
            #expect(page.status == .ok)
            #expect(expectWellFormedPage(page) == [])
            #expect(page.text.contains("You are a verified maintainer of this project."))
            #expect(page.text.contains("No keys yet."))
            #expect(page.text.contains("$50.00"))
            let token = try formToken(page)
            let created = try await maya.submit(
                app, keys, [("form_token", token), ("name", Self.hostileKeyName), ("limit", "10.00")])
            #expect(created.status == .created, "\(created.text)")
            #expect(created.headers[.cacheControl] == "no-store")
            #expect(expectWellFormedPage(created, hostile: [Self.hostileKeyName]) == [])
            let html = created.text
            #expect(html.contains("&lt;script&gt;alert(&quot;key&quot;)&lt;/script&gt;"))
            #expect(html.contains("shown only once"))
            #expect(html.contains(#"<script src="/assets/copy.js"></script>"#))
            #expect(html.contains(#"data-copy="secret" hidden"#))

            let key = try #require(try await app.store.keys.all(in: project.id).first)
            let secret = try #require(
                htmlCaptures(html, #"<code id="secret" class="secret-value">([^<]+)</code>"#).first)
            #expect(secret.hasPrefix("sk-or-v1-"))
            #expect(html.contains(app.dependencies.installCommand))
            #expect(html.contains("Set, and empty."))  // ANTHROPIC_API_KEY must be empty, and the page says so

            // Exactly what the launch table produces for this key, secret included.
            let expected = KeyCreationConfigs(
                repository: project.name, keyID: key.id, providerBaseURL: app.dependencies.providerURL,
                recommendedModels: app.dependencies.configuration.agents.recommendedModels, secret: secret,
                server: app.dependencies.urls.base)
            #expect(!app.dependencies.urls.base.contains("opub.dev"))
            for surface in Surface.allCases {
                let shown = htmlCaptures(
                    html, #"<code id="setup-\#(surface.rawValue)" data-surface="\#(surface.rawValue)">([^<]*)</code>"#)
                #expect(shown == [expected.setupCommands[surface.rawValue]!], "\(surface)")
                #expect(
                    shown.first
                        == LaunchTable.setupCommand(for: surface, repository: project.name, keyID: key.id)
                        + " --server \(app.dependencies.urls.base)")
                #expect(environment(html, surface: surface) == expected.environment[surface.rawValue], "\(surface)")
            }
            let codexLine = try #require(htmlCaptures(html, #"<code data-command-line="codex">([^<]*)</code>"#).first)
            #expect(codexLine.hasPrefix("codex -c ") && codexLine.contains("model_provider="))
            #expect(html.contains("<code>opub env vibe</code> writes them by absolute path"))
            let headers = try #require(htmlCaptures(html, #"<code id="raw-headers">([^<]*)</code>"#).first)
            #expect(
                Set(headers.split(separator: "\n").map(String.init))
                    == Set(expected.headers.map { "\($0.key): \($0.value)" }))
            #expect(expected.headers.count == LaunchTable.rawHeaders(repository: project.name).count)

            // The same form again (a reload re-posts it): no second key, no secret, a notice instead.
            let replay = try await maya.submit(
                app, keys, [("form_token", token), ("name", Self.hostileKeyName), ("limit", "10.00")])
            #expect(replay.status == .seeOther)
            #expect(replay.headers[.location] == "\(keys)?already=\(key.id)")
            #expect(try await app.store.keys.all(in: project.id).count == 1)
            let after = try await maya.page(app, try #require(replay.headers[.location]))
            #expect(after.text.contains("was already created from that form"))
            #expect(!after.text.contains(secret))
            #expect(after.text.contains("$40.00"))  // available after reserving $10
            #expect(after.text.contains(#"<span class="badge active">Active</span>"#))
            #expect(expectWellFormedPage(after, hostile: [Self.hostileKeyName]) == [])
            // Nothing but the creation answer ever carries the secret.
            for path in ["/github/acme/widgets", "/github/acme/widgets/ledger", "/me", keys] {
                #expect(!(try await maya.page(app, path)).text.contains(secret), "\(path)")
            }
        }
    }

    @Test("a refused key request shows the form again with the reason, and creates nothing")
    func refusals() async throws {
        try await withClaimedProject(dollars: 20) { app, maya, project in
            let keys = "/github/acme/widgets/keys"
            let cases: [([(String, String)], HTTPResponse.Status, String)] = [
                ([("name", "big"), ("limit", "25.00")], .unprocessableContent, "more than the project has available"),
                ([("name", "tiny"), ("limit", "0.50")], .unprocessableContent, "at least $1.00"),
                ([("name", "cents"), ("limit", "1.234")], .unprocessableContent, "more than 2 decimal places"),
                ([("name", ""), ("limit", "5.00")], .badRequest, "1 to 64 printable characters"),
                ([("name", "old"), ("limit", "5.00"), ("expires_on", "2001-01-01")], .badRequest, "in the future"),
                ([("name", "odd"), ("limit", "5.00"), ("expires_on", "soon")], .unprocessableContent, "as a date"),
            ]
            for (fields, status, message) in cases {
                let token = try formToken(try await maya.page(app, keys))
                let answer = try await maya.submit(app, keys, [("form_token", token)] + fields)
                #expect(answer.status == status, "\(fields) → \(answer.text)")
                #expect(answer.text.contains(message), "\(fields)")
                #expect(answer.text.contains(#"aria-invalid="true""#), "\(fields)")
                #expect(answer.text.contains(#"value="\#(fields[0].1)""#), "\(fields)")
                #expect(try formToken(answer) != token, "a fresh token for the next try")
            }
            let noToken = try await maya.submit(app, keys, [("name", "x"), ("limit", "5.00")])
            #expect(noToken.status == .badRequest)
            #expect(try await app.store.keys.all(in: project.id).isEmpty)
        }
    }

    @Test("revoking asks first, then disables the key, returns its reservation and offers a replacement")
    func revoke() async throws {
        try await withClaimedProject { app, maya, project in
            let keys = "/github/acme/widgets/keys"
            let token = try formToken(try await maya.page(app, keys))
            let created = try await maya.submit(
                app, keys, [("form_token", token), ("name", "laptop"), ("limit", "12.00")])
            #expect(created.status == .created)
            let key = try #require(try await app.store.keys.all(in: project.id).first)
            let table = try await maya.page(app, keys)
            #expect(table.text.contains(#"href="\#(keys)/\#(key.id)/revoke">Revoke…</a>"#))

            let confirm = try await maya.page(app, "\(keys)/\(key.id)/revoke")
            #expect(confirm.status == .ok)
            #expect(expectWellFormedPage(confirm) == [])
            #expect(confirm.text.contains("Revoke “laptop”?"))
            #expect(confirm.text.contains("$12.00"))
            #expect(confirm.text.contains(#"<form method="post" action="\#(keys)/\#(key.id)/revoke">"#))
            #expect(try await app.store.keys.find(key.id)?.state == .active, "showing the confirmation changes nothing")

            let revoked = try await maya.submit(app, "\(keys)/\(key.id)/revoke", [])
            #expect(revoked.status == .seeOther)
            let location = try #require(revoked.headers[.location])
            #expect(location.hasPrefix("\(keys)?revoked=\(key.id)"))
            #expect(try await app.store.keys.find(key.id)?.state.reason == .revoked)
            let after = try await maya.page(app, location)
            #expect(after.text.contains("Key “laptop” is revoked"))
            #expect(after.text.contains(#"<span class="badge disabled">Disabled</span>"#))
            #expect(after.text.contains("Create a replacement"))
            #expect(after.text.contains("name=laptop&amp;limit=12.00#create-key"))
            #expect(after.text.contains("$50.00"))
            #expect(!after.text.contains("Revoke…"))
            // The confirmation of a disabled key leads back to the table.
            #expect(try await maya.page(app, "\(keys)/\(key.id)/revoke").status == .seeOther)
            let replacement = try await maya.page(app, "\(keys)?name=laptop&limit=12.00")
            #expect(replacement.text.contains(#"id="key-name" name="name" maxlength="64" required value="laptop""#))
            #expect(try await maya.page(app, "\(keys)/ck_nope/revoke").status == .notFound)
        }
    }
}

/// The first capture group of every match of `pattern` in `html`, HTML-unescaped.
func htmlCaptures(_ html: String, _ pattern: String) -> [String] {
    rawCaptures(html, pattern).map { htmlUnescape($0[0]) }
}

func htmlUnescape(_ text: String) -> String {
    text.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
        .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
        .replacingOccurrences(of: "&amp;", with: "&")
}

/// The capture groups of every match of `pattern` in `html`, as written (still escaped).
func rawCaptures(_ html: String, _ pattern: String) -> [[String]] {
    guard let regex = try? NSRegularExpression(pattern: pattern, options: [.dotMatchesLineSeparators]) else {
        return []
    }
    return regex.matches(in: html, range: NSRange(html.startIndex..., in: html)).map { match in
        (1..<match.numberOfRanges).compactMap { Range(match.range(at: $0), in: html).map { String(html[$0]) } }
    }
}

/// The environment table of `surface` on the key creation page: variable → value, unescaped.
func environment(_ html: String, surface: Surface) -> [String: String] {
    let tablePattern = #"<table class="environment stack" data-surface="\#(surface.rawValue)">(.*?)</table>"#
    guard let table = rawCaptures(html, tablePattern).first?.first else { return [:] }
    let rowPattern =
        #"<tr><th scope="row"><code>([^<]*)</code></th><td class="block" data-label="Value"><pre><code>([^<]*)</code></pre>"#
    var result: [String: String] = [:]
    for row in rawCaptures(table, rowPattern) where row.count == 2 {
        result[htmlUnescape(row[0])] = htmlUnescape(row[1])
    }
    return result
}
