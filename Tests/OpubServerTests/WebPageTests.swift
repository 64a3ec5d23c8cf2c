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

/// The server-rendered pages: what each shows, that every piece of user text is escaped, who may see
/// and post what, and the HTML error pages. (The browser tests in `Tests/e2e/web` drive the same pages
/// in Chromium.)
@Suite("Web pages")
struct WebPageTests {
    static let hostileName = #"<script>alert("name")</script>"#
    static let hostileMessage = #""><img src=x onerror=alert(1)>&amp;"#

    @Test(
        "the landing page shows totals and featured projects, with the sandbox banner and the page headers",
        arguments: TestEngine.available)
    func landing(engine: TestEngine) async throws {
        try await withTestStore(engine) { store, _ in
            try await withAppWorld(try await sandboxConfiguration(), store: store) { app in
                let ada = try await sandboxSignIn(app, "ada")
                try await sandboxDonation(app, ada, to: "acme/widgets", json: #"{"amount":"1234.56"}"#)
                let page = try await Browser.anonymous.page(app, "/")
                #expect(page.status == .ok)
                #expect(expectWellFormedPage(page) == [])
                #expect(page.text.contains("Sandbox mode: sign-in, payments and the provider are simulated."))
                #expect(page.text.contains("$1,234.56"))
                #expect(page.text.contains(#"href="/github/acme/widgets""#))
                #expect(page.headers[.cacheControl] == "private, no-cache")
                #expect(page.headers[HTTPField.Name("X-Frame-Options")!] == "DENY")
                // Signed in, the header names the user and offers sign-out (a CSRF-protected form).
                let signedIn = try await ada.page(app, "/")
                #expect(signedIn.text.contains(#"<a href="/me""#))
                #expect(signedIn.text.contains(#"name="csrf_token" value="\#(ada.csrf ?? "")""#))
            }
        }
    }

    @Test("production pages carry no sandbox banner")
    func productionHasNoBanner() async throws {
        try await withTestStore(.sqlite) { store, _ in
            let production = try await ConfigurationLoader.make(environment: ConfigurationTests.production).load()
            try await withAppWorld(production, store: store) { app in
                let page = try await Browser.anonymous.page(app, "/docs")
                #expect(page.status == .ok)
                #expect(!page.text.contains("Sandbox mode"))
                #expect(!page.text.contains("sandbox-banner"))
                // Real payments: the donate form may continue to Stripe Checkout.
                let csp = page.headers[HTTPField.Name("Content-Security-Policy")!] ?? ""
                #expect(csp.contains("form-action 'self' https://checkout.stripe.com"))
            }
        }
    }

    @Test("the directory searches and sorts, and escapes what was searched for")
    func directory() async throws {
        try await withTestStore(.sqlite) { store, _ in
            try await withAppWorld(try await sandboxConfiguration(), store: store) { app in
                let ada = try await sandboxSignIn(app, "ada")
                try await sandboxDonation(app, ada, to: "acme/widgets", json: #"{"amount":"5.00"}"#)
                try await sandboxDonation(app, ada, to: "acme/gadgets", json: #"{"amount":"50.00"}"#)
                try await sandboxDonation(app, ada, to: "other/thing", json: #"{"amount":"7.00"}"#)
                let all = try await Browser.anonymous.page(app, "/projects?sort=balance")
                #expect(all.status == .ok)
                #expect(expectWellFormedPage(all) == [])
                let gadgets = try #require(all.text.range(of: "acme/gadgets"))
                let widgets = try #require(all.text.range(of: "acme/widgets"))
                #expect(gadgets.lowerBound < widgets.lowerBound, "largest balance first")
                #expect(all.text.contains(#"<option value="balance" selected>"#))

                let search = try await Browser.anonymous.page(app, "/projects?q=acme&sort=recent")
                #expect(search.text.contains("acme/widgets") && search.text.contains("acme/gadgets"))
                #expect(!search.text.contains("other/thing"))

                let hostile = try await Browser.anonymous.page(
                    app, "/projects?q=" + formEncoded([("", "<b>x</b>")]).dropFirst())
                #expect(hostile.status == .ok)
                #expect(expectWellFormedPage(hostile, hostile: ["<b>x</b>"]) == [])
                #expect(hostile.text.contains("&lt;b&gt;x&lt;/b&gt;"))

                let bad = try await Browser.anonymous.page(app, "/projects?sort=cheapest")
                #expect(bad.status == .badRequest)
                #expect(bad.headers[.contentType] == "text/html; charset=utf-8")
                #expect(bad.text.contains("sort must be one of"))
            }
        }
    }

    @Test("the project page shows the balance card, donations with public attribution only, and escapes them")
    func projectPage() async throws {
        try await withTestStore(.sqlite) { store, _ in
            try await withAppWorld(try await sandboxConfiguration(), store: store) { app in
                let ada = try await sandboxSignIn(app, "ada")
                let name = Self.hostileName.replacingOccurrences(of: "\"", with: "\\\"")
                let message = Self.hostileMessage.replacingOccurrences(of: "\"", with: "\\\"")
                try await sandboxDonation(
                    app, ada, to: "acme/widgets",
                    json: #"{"amount":"25.00","attribution":{"display_name":"\#(name)","message":"\#(message)"}}"#)
                try await sandboxDonation(
                    app, ada, to: "acme/widgets", json: #"{"amount":"10.00","attribution":{"anonymous":true}}"#)

                let page = try await Browser.anonymous.page(app, "/github/acme/widgets")
                #expect(page.status == .ok)
                #expect(expectWellFormedPage(page, hostile: [Self.hostileName, "<img src=x"]) == [])
                let html = page.text
                #expect(html.contains("&lt;script&gt;alert(&quot;name&quot;)&lt;/script&gt;"))
                #expect(html.contains("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;&amp;amp;"))
                #expect(html.contains("Anonymous"))
                #expect(html.contains("$35.00"))
                #expect(html.contains("Unclaimed"))
                #expect(html.contains(#"href="/github/acme/widgets/donate""#))
                #expect(html.contains("Sign in with GitHub to claim it"))
                #expect(!html.contains("donor@sandbox.invalid"))
                #expect(!html.contains("pi_sandbox"))
                #expect(!html.contains("cs_sandbox"))
                #expect(html.contains("No spend in the last 30 days"))
                #expect(html.contains("<svg viewBox=\"0 0 600 236\" role=\"img\""))

                // Signed in, the call to action is the claim form itself.
                let signedIn = try await ada.page(app, "/github/acme/widgets")
                #expect(signedIn.text.contains(#"<form method="post" action="/claim">"#))
                #expect(signedIn.text.contains(#"name="repository" value="acme/widgets""#))
            }
        }
    }

    @Test(
        "the spend chart and linked coverage come from the ledger's spend, linked by session",
        arguments: TestEngine.available)
    func spendChart(engine: TestEngine) async throws {
        let clock = ManualClock(Timestamp(microsSinceEpoch: 1_763_000_000_000_000))
        try await withTestStore(engine, clock: clock) { store, _ in
            try await withAppWorld(try await sandboxConfiguration(), store: store, clock: clock) { app in
                let project = try await store.projects.create(try RepositoryName(parsing: "acme/widgets"))
                try await store.ledger.post(
                    .grant(amount: Money(dollars: 100)), to: project.id, idempotencyKey: "g", memo: "Seed credit")
                let key = try await store.keys.reserveNewKey(
                    in: project.id, KeyRequest(name: #"<b>bold key</b>"#, limit: Money(dollars: 50)))
                _ = try await store.withProjectLock(project.id) { try await $0.transition(key.id, .provisioned) }
                try await store.ledger.post(
                    .spend(key.id, amount: Money(micros: 3_000_000)), to: project.id, idempotencyKey: "s1",
                    memo: "Spend by key <b>bold key</b>", session: SessionID.random())
                clock.advance(seconds: 86_400)
                try await store.ledger.post(
                    .spend(key.id, amount: Money(micros: 1_000_000)), to: project.id, idempotencyKey: "s2",
                    memo: "Spend by key <b>bold key</b>")

                // Spend detail and linked sessions, with host details that must stay private.
                let session = SessionID.random()
                _ = try await store.agentSessions.start(
                    session, key: key,
                    AgentSessionStart(surface: "claude", surfaceVersion: "1.0", cliVersion: "0.1", os: "secret-host-os")
                )
                clock.advance(seconds: 600)
                _ = try await store.agentSessions.end(session, reason: "exited", exitCode: 0)
                let keyNow = try #require(try await store.keys.find(key.id))
                try await store.usage.record(
                    [
                        UsageReading(
                            date: clock.now().civilDate.iso8601, model: "<i>evil/model</i>", providerName: "sim",
                            requests: 3, promptTokens: 12_345, completionTokens: 678, reasoningTokens: 2,
                            cost: Money(micros: 12_345))
                    ], for: keyNow)

                let page = try await Browser.anonymous.page(app, "/github/acme/widgets")
                #expect(page.status == .ok)
                let html = page.text
                #expect(expectWellFormedPage(page, hostile: ["<b>bold key</b>", "<i>evil/model</i>"]) == [])
                #expect(html.contains("<code>&lt;i&gt;evil/model&lt;/i&gt;</code>"))
                #expect(html.contains(#"data-label="Key">&lt;b&gt;bold key&lt;/b&gt;</td>"#))
                #expect(html.contains(#"data-label="Tokens in">12,345</td>"#))
                #expect(html.contains(#"data-label="Tokens out">680</td>"#))
                #expect(html.contains(#"data-label="Cost">$0.0123</td>"#))
                #expect(html.contains(#"data-label="Agent">Claude Code</td>"#))
                #expect(html.contains(#"data-label="Total time">10 min</td>"#))
                #expect(!html.contains("secret-host-os"))
                #expect(html.contains("<strong>75%</strong> of $4.00 was spent in linked sessions ($3.00)"))
                #expect(html.contains(#"<rect class="bar-fill" x="0" y="0" width="75.0" height="10"/>"#))
                #expect(html.contains(#"<rect class="linked""#))
                #expect(html.contains(#"<rect class="unlinked""#))
                // The text alternative: a summary and the numbers as a table.
                #expect(html.contains("$4.00 in all, $3.00 of it linked (75%)"))
                #expect(
                    html.contains(#"data-label="Linked">$3.00</td><td class="amount" data-label="Unlinked">$0.00<"#))
                #expect(
                    html.contains(#"data-label="Linked">$0.00</td><td class="amount" data-label="Unlinked">$1.00<"#))
                #expect(html.contains("$96.00"))  // balance: 100 granted − 4 spent

                let ledger = try await Browser.anonymous.page(app, "/github/acme/widgets/ledger")
                #expect(ledger.status == .ok)
                #expect(expectWellFormedPage(ledger, hostile: ["<b>bold key</b>"]) == [])
                #expect(ledger.text.contains("Spend by key &lt;b&gt;bold key&lt;/b&gt;"))
                #expect(ledger.text.contains("<span class=\"badge linked\">Linked</span>"))
                #expect(ledger.text.contains("-$3.00"))
                #expect(ledger.text.contains("+$100.00"))
            }
        }
    }

    @Test("a renamed repository's old page address redirects permanently to the same page under the new name")
    func renamedProject() async throws {
        try await withTestStore(.sqlite) { store, _ in
            try await withAppWorld(try await sandboxConfiguration(), store: store) { app in
                _ = try await store.projects.ensure(githubRepoID: 42, name: try RepositoryName(parsing: "old-org/tool"))
                _ = try await store.projects.ensure(githubRepoID: 42, name: try RepositoryName(parsing: "new-org/tool"))
                for (old, new) in [
                    ("/github/old-org/tool", "/github/new-org/tool"),
                    ("/github/old-org/tool/ledger?cursor=s5", "/github/new-org/tool/ledger?cursor=s5"),
                    ("/github/OLD-ORG/tool/donate", "/github/new-org/tool/donate"),
                ] {
                    let moved = try await Browser.anonymous.page(app, old)
                    #expect(moved.status == .movedPermanently, "\(old)")
                    #expect(moved.headers[.location] == new, "\(old)")
                }
                #expect(try await Browser.anonymous.page(app, "/github/new-org/tool").status == .ok)
            }
        }
    }

    @Test(
        "the CSV export streams the whole chain in order, across batches, and is rate-limited",
        arguments: TestEngine.available)
    func streamedCSV(engine: TestEngine) async throws {
        try await withTestStore(engine) { store, _ in
            try await withAppWorld(try await sandboxConfiguration(), store: store) { app in
                let project = try await store.projects.create(try RepositoryName(parsing: "acme/widgets"))
                for index in 1...1_201 {
                    try await store.ledger.post(
                        .grant(amount: Money(micros: Int64(index))), to: project.id, idempotencyKey: "g\(index)",
                        memo: "Grant \(index)")
                }
                let export = try await Browser.anonymous.page(app, "/api/v1/projects/acme/widgets/ledger?format=csv")
                #expect(export.status == .ok)
                let lines = export.text.split(separator: "\r\n")
                #expect(lines.count == 1_202)
                // Chain order: sequence 1 first, 1,201 last, nothing repeated at a batch boundary.
                #expect(lines[1].contains("Grant 1\"") && lines.last?.contains("Grant 1201\"") == true)
                #expect(Set(lines).count == lines.count)
                let verified = try await LedgerVerifier(store: store).verify()
                #expect(verified.isValid)
                // Exports read a whole chain: ten in a row, then 429 with Retry-After.
                for _ in 0..<9 {
                    _ = try await Browser.anonymous.page(app, "/api/v1/projects/acme/widgets/ledger?format=csv")
                }
                let limited = try await Browser.anonymous.page(app, "/api/v1/projects/acme/widgets/ledger?format=csv")
                #expect(limited.status == .tooManyRequests)
                #expect(limited.headers[.retryAfter] != nil)
            }
        }
    }

    @Test("the ledger page pages through the chain and links the JSON and CSV exports", arguments: TestEngine.available)
    func ledgerPagination(engine: TestEngine) async throws {
        try await withTestStore(engine) { store, _ in
            try await withAppWorld(try await sandboxConfiguration(), store: store) { app in
                let project = try await store.projects.create(try RepositoryName(parsing: "acme/widgets"))
                for index in 1...55 {
                    try await store.ledger.post(
                        .grant(amount: Money(dollars: Int64(index))), to: project.id, idempotencyKey: "g\(index)",
                        memo: "Grant number \(index)")
                }
                let first = try await Browser.anonymous.page(app, "/github/acme/widgets/ledger")
                #expect(first.status == .ok)
                #expect(first.text.contains("Grant number 55"))
                #expect(!first.text.contains("Grant number 5\n"))
                #expect(first.text.contains(#"href="/api/v1/projects/acme/widgets/ledger""#))
                #expect(first.text.contains("/api/v1/projects/acme/widgets/ledger?format=csv"))
                #expect(first.text.contains("Verify the hashes yourself"))
                let head = try #require(try await store.projects.find(project.id)?.chainHead)
                #expect(first.text.contains(head))
                let next = try #require(
                    first.text.range(of: #"/github/acme/widgets/ledger\?cursor=[a-z0-9]+"#, options: .regularExpression)
                )
                let older = try await Browser.anonymous.page(app, String(first.text[next]))
                #expect(older.status == .ok)
                #expect(older.text.contains("Grant number 5\n"))
                #expect(older.text.contains("Grant number 1\n"))
                #expect(!older.text.contains("Grant number 55"))
                let bad = try await Browser.anonymous.page(app, "/github/acme/widgets/ledger?cursor=zzz")
                #expect(bad.status == .badRequest)
                let missing = try await Browser.anonymous.page(app, "/github/acme/nothing/ledger")
                #expect(missing.status == .notFound)
                #expect(missing.text.contains("No project page exists for acme/nothing yet"))
            }
        }
    }

    @Test("donating from the page: sign-in first, CSRF required, errors shown in the form, then checkout")
    func donateForm() async throws {
        try await withTestStore(.sqlite) { store, _ in
            try await withAppWorld(try await sandboxConfiguration(), store: store) { app in
                let anonymous = try await Browser.anonymous.page(app, "/github/acme/widgets/donate")
                #expect(anonymous.status == .ok)
                #expect(anonymous.text.contains("Sign in to donate"))
                #expect(anonymous.text.contains("has no page yet"))
                #expect(!anonymous.text.contains(#"name="amount""#))
                let anonymousPost = try await Browser.anonymous.submit(
                    app, "/github/acme/widgets/donate", [("amount", "5.00")])
                #expect(anonymousPost.status == .seeOther)
                #expect(anonymousPost.headers[.location]?.hasPrefix("/auth/github?return_to=") == true)

                let bob = try await sandboxSignIn(app, "bob")
                let form = try await bob.page(app, "/github/acme/widgets/donate")
                #expect(form.status == .ok)
                #expect(expectWellFormedPage(form) == [])
                #expect(form.text.contains(#"<label for="amount">"#))
                #expect(form.text.contains(#"name="csrf_token" value="\#(bob.csrf ?? "")""#))
                #expect(form.text.contains(#"value="bob""#))

                for csrf in [Browser.CSRF.missing, .wrong] {
                    let forged = try await bob.submit(
                        app, "/github/acme/widgets/donate", [("amount", "5.00")], csrf: csrf)
                    #expect(forged.status == .forbidden)
                    #expect(forged.headers[.contentType] == "text/html; charset=utf-8")
                    #expect(forged.text.contains("CSRF token"))
                }
                #expect(try await count("donations", store) == 0)

                let tooPrecise = try await bob.submit(
                    app, "/github/acme/widgets/donate",
                    [("amount", "1.001<i>"), ("attribution", "name"), ("display_name", Self.hostileName)])
                #expect(tooPrecise.status == .unprocessableContent)
                #expect(tooPrecise.text.contains("is not a dollar amount"))
                #expect(expectWellFormedPage(tooPrecise, hostile: [Self.hostileName, "1.001<i>"]) == [])
                #expect(tooPrecise.text.contains(#"value="1.001&lt;i&gt;""#))
                #expect(tooPrecise.text.contains(#"aria-invalid="true""#))
                let tooSmall = try await bob.submit(app, "/github/acme/widgets/donate", [("amount", "0.50")])
                #expect(tooSmall.status == .unprocessableContent)
                #expect(tooSmall.text.contains("The smallest donation is $1.00."))
                let badName = try await bob.submit(
                    app, "/github/acme/widgets/donate", [("amount", "5"), ("display_name", "a\u{202E}b")])
                #expect(badName.status == .unprocessableContent)
                #expect(badName.text.contains("control characters"))
                #expect(try await count("donations", store) == 0)

                let started = try await bob.submit(
                    app, "/github/acme/widgets/donate",
                    [
                        ("amount", "12.50"), ("attribution", "anonymous"), ("display_name", "ignored"),
                        ("message", Self.hostileMessage),
                    ])
                #expect(started.status == .seeOther, "\(started.text)")
                let checkout = try #require(started.headers[.location])
                #expect(checkout.contains("/sandbox/checkout/cs_sandbox_"))
                let path = try #require(URL(string: checkout)?.path)
                let checkoutPage = try await bob.page(app, path)
                #expect(checkoutPage.status == .ok)
                #expect(expectWellFormedPage(checkoutPage, hostile: ["<img src=x"]) == [])
                #expect(checkoutPage.text.contains("anonymously"))
                #expect(checkoutPage.headers[.cacheControl] == "no-store")
                let paid = try await bob.submit(app, path + "/complete", [])
                #expect(paid.status == .seeOther)
                let back = try #require(paid.headers[.location])
                #expect(back.hasPrefix("/github/acme/widgets?donation=don_"))
                let thanks = try await bob.page(app, back)
                #expect(thanks.text.contains("Thank you! Your donation of $12.50"))
                #expect(thanks.text.contains("$12.50"))
                // Someone else following the same link sees no notice about bob's donation.
                let other = try await Browser.anonymous.page(app, back)
                #expect(!other.text.contains("Thank you!"))

                let cancelled = try await bob.page(app, "/github/acme/widgets/donate?cancelled=1")
                #expect(cancelled.text.contains("Checkout cancelled"))
            }
        }
    }

    @Test("claiming from a page: sign-in first, CSRF required, then the project is claimed")
    func claimForm() async throws {
        try await withTestStore(.sqlite) { store, _ in
            try await withAppWorld(try await sandboxConfiguration(), store: store) { app in
                let anonymous = try await Browser.anonymous.submit(app, "/claim", [("repository", "acme/widgets")])
                #expect(anonymous.status == .seeOther)
                #expect(anonymous.headers[.location] == "/auth/github?return_to=%2Fme")

                let carol = try await sandboxSignIn(app, "carol")
                let forged = try await carol.submit(app, "/claim", [("repository", "acme/widgets")], csrf: .missing)
                #expect(forged.status == .forbidden)
                #expect(try await count("projects", store) == 0)

                let bad = try await carol.submit(app, "/claim", [("repository", "not a repo")])
                #expect(bad.status == .badRequest)
                #expect(bad.headers[.contentType] == "text/html; charset=utf-8")

                let claimed = try await carol.submit(
                    app, "/claim", [("repository", "https://github.com/acme/widgets.git")])
                #expect(claimed.status == .seeOther)
                #expect(claimed.headers[.location] == "/github/acme/widgets/keys?claimed=1")
                let keys = try await carol.page(app, "/github/acme/widgets/keys?claimed=1")
                #expect(keys.text.contains("You are a verified maintainer of this project."))
                let page = try await carol.page(app, "/github/acme/widgets")
                #expect(page.text.contains(#"<span class="badge claimed">Claimed</span>"#))
                #expect(page.text.contains(#"href="/github/acme/widgets/keys">Compute keys</a>"#))
                #expect(!page.text.contains("Maintain acme/widgets?"))
                let me = try await carol.page(app, "/me")
                #expect(me.text.contains(#"<a href="/github/acme/widgets">acme/widgets</a>"#))
                #expect(me.text.contains("admin"))
            }
        }
    }

    @Test("/me needs sign-in and lists the user's donations with their status and attribution")
    func mePage() async throws {
        try await withTestStore(.sqlite) { store, _ in
            try await withAppWorld(try await sandboxConfiguration(), store: store) { app in
                let redirect = try await Browser.anonymous.page(app, "/me")
                #expect(redirect.status == .seeOther)
                #expect(redirect.headers[.location] == "/auth/github?return_to=%2Fme")

                let dana = try await sandboxSignIn(app, "dana")
                let empty = try await dana.page(app, "/me")
                #expect(empty.status == .ok)
                #expect(empty.text.contains("No donations yet"))
                #expect(empty.text.contains("You don't maintain a project here yet."))
                let name = Self.hostileName.replacingOccurrences(of: "\"", with: "\\\"")
                try await sandboxDonation(
                    app, dana, to: "acme/widgets",
                    json: #"{"amount":"3.00","attribution":{"display_name":"\#(name)"}}"#)
                let pending = try await dana.post(
                    app, "/api/v1/projects/acme/widgets/donations", json: #"{"amount":"4.00"}"#)
                #expect(pending.status == .created)
                let me = try await dana.page(app, "/me")
                #expect(me.status == .ok)
                #expect(expectWellFormedPage(me, hostile: [Self.hostileName]) == [])
                #expect(me.text.contains(#"<span class="badge completed">completed</span>"#))
                #expect(me.text.contains(#"<span class="badge pending">pending</span>"#))
                #expect(me.text.contains("Continue checkout"))
                #expect(me.text.contains("$3.00") && me.text.contains("$4.00"))
            }
        }
    }

    @Test("docs, CLI reference and glossary pages render, and unknown ones are friendly 404 pages")
    func docsAndGlossary() async throws {
        try await withTestStore(.sqlite) { store, _ in
            try await withAppWorld(try await sandboxConfiguration(), store: store) { app in
                for path in [
                    "/docs", "/docs/donors", "/docs/compute", "/docs/keys", "/docs/cli", "/docs/ledger", "/glossary",
                    "/glossary/linked-spend-coverage", "/auth/sandbox",
                ] {
                    let page = try await Browser.anonymous.page(app, path)
                    #expect(page.status == .ok, "\(path)")
                    #expect(expectWellFormedPage(page) == [], "\(path)")
                    #expect(page.text.contains("sandbox-banner"), "\(path)")
                }
                let cli = try await Browser.anonymous.page(app, "/docs/cli")
                #expect(cli.text.contains("curl -fsSL http://localhost/install.sh | sh"))
                for surface in ["claude", "codex", "copilot", "vibe", "opencode", "continue"] {
                    #expect(cli.text.contains("<code>\(surface)</code>"))
                }
                let term = try await Browser.anonymous.page(app, "/glossary/compute-key")
                #expect(term.text.contains("<h1>Compute key</h1>"))
                #expect(term.text.contains(#"href="/glossary/one-time-provider-key""#))
                for path in ["/docs/nope", "/glossary/nope", "/no/such/page"] {
                    let missing = try await Browser.anonymous.page(app, path)
                    #expect(missing.status == .notFound, "\(path)")
                    #expect(missing.headers[.contentType] == "text/html; charset=utf-8", "\(path)")
                    #expect(missing.text.contains("Page not found"), "\(path)")
                    #expect(expectWellFormedPage(missing) == [], "\(path)")
                }
            }
        }
    }

    @Test("errors are pages for browsers and JSON for the API")
    func errorPages() async throws {
        try await withTestStore(.sqlite) { store, _ in
            try await withAppWorld(try await sandboxConfiguration(), store: store) { app in
                // A program asking for an unknown path gets JSON, whatever the path.
                let json = try await Browser.anonymous.get(app, "/no/such/page")
                #expect(json.status == .notFound)
                #expect(json.errorCode == "no_such_route")
                // The API stays JSON even for a browser.
                let api = try await Browser.anonymous.page(app, "/api/v1/projects/acme/nothing")
                #expect(api.status == .notFound)
                #expect(api.errorCode == "project_not_found")
                // A page answers HTML even to a program that did not ask for it.
                let project = try await Browser.anonymous.get(app, "/github/acme/nothing")
                #expect(project.status == .notFound)
                #expect(project.headers[.contentType] == "text/html; charset=utf-8")
                #expect(project.text.contains("acme/nothing has no page yet"))
                // Another method on a page: 405 as a page, with Allow.
                let wrongMethod = try await app.client.execute(
                    uri: "/projects", method: .delete, headers: Browser.anonymous.pageHeaders())
                #expect(wrongMethod.status == .methodNotAllowed)
                #expect(wrongMethod.headers[.allow] == "GET")
                #expect(wrongMethod.text.contains("That action isn&#39;t available here"))
                // A malformed repository name in a page path is "no such page", not a bad request.
                let malformed = try await Browser.anonymous.page(app, "/github/-bad-/x")
                #expect(malformed.status == .notFound)
            }
        }
    }

    @Test("a server error in a page is a friendly 500 page that names the request, never the error")
    func serverErrorPage() async throws {
        try await withTestStore(.sqlite) { store, _ in
            try await withAppWorld(try await sandboxConfiguration(), store: store) { app in
                // Break the store under the page: the project row's name is no longer a repository name.
                let project = try await store.projects.create(try RepositoryName(parsing: "acme/widgets"))
                try await store.engine.read { db in
                    try await db.raw(
                        "UPDATE projects SET owner = '<bad owner>' WHERE id = \(bind: project.id.rawValue)"
                    )
                    .run()
                }
                let page = try await Browser.anonymous.page(app, "/github/acme/widgets")
                #expect(page.status == .internalServerError)
                #expect(page.headers[.contentType] == "text/html; charset=utf-8")
                #expect(page.text.contains("Something went wrong on our side"))
                #expect(page.text.contains("request "))
                #expect(!page.text.contains("<bad owner>"))
                #expect(!page.text.contains("invalid name"))
            }
        }
    }

    @Test("the stylesheet and script are served at fixed paths, cached, and revalidated by ETag")
    func assets() async throws {
        try await withTestStore(.sqlite) { store, _ in
            try await withAppWorld(try await sandboxConfiguration(), store: store) { app in
                let css = try await Browser.anonymous.get(app, "/assets/opub.css")
                #expect(css.status == .ok)
                #expect(css.headers[.contentType] == "text/css; charset=utf-8")
                #expect(css.headers[.cacheControl] == "public, max-age=3600")
                #expect(css.text.contains(":focus-visible"))
                let etag = try #require(css.headers[.eTag])
                let again = try await app.client.execute(
                    uri: "/assets/opub.css", method: .get, headers: [.ifNoneMatch: etag])
                #expect(again.status == .notModified)
                #expect(again.body.readableBytes == 0)
                let script = try await Browser.anonymous.get(app, "/assets/copy.js")
                #expect(script.status == .ok)
                #expect(script.headers[.contentType] == "text/javascript; charset=utf-8")
                #expect(try await Browser.anonymous.get(app, "/favicon.ico").status == .ok)
                let page = try await Browser.anonymous.page(app, "/")
                #expect(page.text.contains("/assets/opub.css?v=\(etag.dropFirst().prefix(12))"))
            }
        }
    }

    @Test("the README badge: claim for an unclaimed or unknown project, available once claimed; cached and revalidated")
    func badge() async throws {
        try await withTestStore(.sqlite) { store, _ in
            try await withAppWorld(try await sandboxConfiguration(), store: store) { app in
                let unknown = try await Browser.anonymous.get(app, "/github/nobody/nothing/badge.svg")
                #expect(unknown.status == .ok)
                #expect(unknown.headers[.contentType] == "image/svg+xml")
                #expect(unknown.text.hasPrefix("<svg ") && unknown.text.contains(">claim</text>"))
                #expect(try await Browser.anonymous.get(app, "/github/not%20a/name/badge.svg").status == .notFound)

                let maya = try await sandboxSignIn(app, "maya")
                let claimed = try await maya.submit(app, "/claim", [("repository", "acme/widgets")])
                #expect(claimed.status == .seeOther)
                let project = try await store.projects.require(named: try RepositoryName(parsing: "acme/widgets"))
                try await store.ledger.post(
                    .grant(amount: Money(micros: 123_450_000)), to: project.id, idempotencyKey: "seed", memo: "seed")
                let badge = try await Browser.anonymous.get(app, "/github/acme/widgets/badge.svg")
                #expect(badge.text.contains(">$123.45 available</text>"))
                #expect(badge.text.contains(#"aria-label="opub: $123.45 available""#))
                #expect(badge.headers[.cacheControl] == "public, max-age=300")
                let etag = try #require(badge.headers[.eTag])
                let again = try await app.client.execute(
                    uri: "/github/acme/widgets/badge.svg", method: .get, headers: [.ifNoneMatch: etag])
                #expect(again.status == .notModified)
                // A new figure is a new picture: the old ETag no longer matches.
                try await store.ledger.post(
                    .grant(amount: Money(dollars: 1)), to: project.id, idempotencyKey: "more", memo: "more")
                let changed = try await app.client.execute(
                    uri: "/github/acme/widgets/badge.svg", method: .get, headers: [.ifNoneMatch: etag])
                #expect(changed.status == .ok)

                let page = try await Browser.anonymous.page(app, "/github/acme/widgets")
                #expect(page.text.contains(#"<img src="/github/acme/widgets/badge.svg""#))
                #expect(page.text.contains("[![opub](http"))
                #expect(page.text.contains("/github/acme/widgets/badge.svg)](http"))
            }
        }
    }
}
