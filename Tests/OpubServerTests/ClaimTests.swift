import Foundation
import HTTPTypes
import OpubCore
import OpubServer
import OpubServerStandIns
import OpubStore
import OpubTestSupport
import Testing

@Suite("Claims: GitHub OAuth and maintainer verification against the stand-in", .serialized)
struct ClaimTests {
    @Test(
        "GitHub sign-in uses state and PKCE S256, keys users by id, and seals the token",
        arguments: TestEngine.available)
    func signIn(engine: TestEngine) async throws {
        try await withProductionWorld(engine) { world in
            let app = world.app
            let user = await world.github.addUser("octo", name: "Octo Cat")
            let browser = try await githubSignIn(app, "octo", github: world.github)
            let me = try await browser.get(app, "/api/v1/me").json()
            let profile = try #require(me["user"] as? [String: Any])
            #expect(profile["github_id"] as? Int64 == user.id)
            #expect(me["sandbox"] as? Bool == false)
            let query = try #require(await world.github.authorizeQueries.last)
            #expect(query["scope"] == "read:user user:email")
            #expect(query["code_challenge_method"] == "S256")
            #expect(query["redirect_uri"] == "http://127.0.0.1:9/auth/github/callback")
            #expect((query["state"]?.count ?? 0) >= 43)
            let exchange = try #require(await world.github.tokenRequests.last)
            #expect((exchange["code_verifier"]?.count ?? 0) >= 43)
            // The token is only in the session row, sealed.
            let token = try #require(
                try await app.store.sessions.find(idHash: TokenHashForTests.sha256Hex(browser.cookie ?? ""))?
                    .sealedGitHubToken)
            #expect(!token.hasPrefix("gho_"))
            #expect(try await count("oauth_attempts", app.store) == 0)
            // A sandbox form does not exist in production.
            let sandbox = try await app.client.execute(uri: "/auth/sandbox", method: .get)
            #expect(sandbox.status == .notFound)
        }
    }

    @Test("a callback from another browser, or replayed, is refused")
    func stateChecks() async throws {
        try await withProductionWorld(.sqlite) { world in
            let app = world.app
            await world.github.addUser("octo")
            let start = try await app.client.execute(uri: "/auth/github", method: .get)
            let location = try #require(start.headers[.location])
            let state = try #require(
                URLComponents(string: location)?.queryItems?.first(where: { $0.name == "state" })?.value)
            let forged = try await app.client.execute(
                uri: "/auth/github/callback?code=abc&state=\(state)", method: .get,
                headers: [.cookie: "opub_oauth_state=somethingelse"])
            #expect(forged.status == .forbidden)
            #expect(forged.errorCode == "sign_in_state_mismatch")
            #expect(try await count("web_sessions", app.store) == 0)
        }
    }

    @Test("admin and maintain may claim; push-only, private, archived and missing are refused with reasons")
    func claims() async throws {
        try await withProductionWorld(.sqlite) { world in
            let app = world.app
            let github = world.github
            await github.addUser("alice")
            await github.addUser("mia")
            await github.addUser("pat")
            let repo = await github.addRepository(
                "acme/widgets", access: ["alice": .admin, "mia": .maintain, "pat": .push])
            await github.addRepository("acme/secret", isPrivate: true, access: ["alice": .admin])
            await github.addRepository("acme/old", isArchived: true, access: ["alice": .admin])
            let alice = try await githubSignIn(app, "alice", github: github)
            let mia = try await githubSignIn(app, "mia", github: github)
            let pat = try await githubSignIn(app, "pat", github: github)

            let claimed = try await alice.post(app, "/api/v1/projects", json: #"{"owner":"acme","repo":"widgets"}"#)
            #expect(claimed.status == .created, "\(claimed.text)")
            let body = try claimed.json()
            #expect(body["permission"] as? String == "admin")
            #expect((body["project"] as? [String: Any])?["claimed"] as? Bool == true)
            #expect((body["project"] as? [String: Any])?["github_repo_id"] as? Int64 == repo)

            let maintain = try await mia.post(app, "/api/v1/projects", json: #"{"owner":"ACME","repo":"Widgets"}"#)
            #expect(maintain.status == .ok, "\(maintain.text)")
            #expect(try maintain.json()["permission"] as? String == "maintain")

            let push = try await pat.post(app, "/api/v1/projects", json: #"{"owner":"acme","repo":"widgets"}"#)
            #expect(push.status == .forbidden)
            #expect(push.errorCode == "insufficient_permission")
            #expect(push.text.contains("push access"))

            let secret = try await alice.post(app, "/api/v1/projects", json: #"{"owner":"acme","repo":"secret"}"#)
            #expect(secret.status == .notFound)
            #expect(secret.errorCode == "repository_not_public")
            let archived = try await alice.post(app, "/api/v1/projects", json: #"{"owner":"acme","repo":"old"}"#)
            #expect(archived.status == .unprocessableContent)
            #expect(archived.errorCode == "repository_archived")
            let missing = try await alice.post(app, "/api/v1/projects", json: #"{"owner":"acme","repo":"nothing"}"#)
            #expect(missing.status == .notFound)
            #expect(missing.errorCode == "repository_not_found")
            #expect(try await count("projects", app.store) == 1)
            #expect(try await count("maintainers", app.store) == 2)

            let mine = try await pat.get(app, "/api/v1/me/projects").json()
            #expect((mine["items"] as? [Any])?.isEmpty == true)
            let alices = try await alice.get(app, "/api/v1/me/projects").json()
            #expect((alices["items"] as? [Any])?.count == 1)
        }
    }

    @Test("a renamed repository keeps its project; the old name redirects")
    func rename() async throws {
        try await withProductionWorld(.sqlite) { world in
            let app = world.app
            let github = world.github
            await github.addUser("alice")
            let repo = await github.addRepository("acme/widgets", access: ["alice": .admin])
            let alice = try await githubSignIn(app, "alice", github: github)
            let first = try await alice.post(app, "/api/v1/projects", json: #"{"owner":"acme","repo":"widgets"}"#)
            let projectID = try #require((try first.json()["project"] as? [String: Any])?["id"] as? String)

            await github.rename(repo, to: "acme-labs/gadgets")
            let again = try await alice.post(app, "/api/v1/projects", json: #"{"owner":"acme-labs","repo":"gadgets"}"#)
            #expect(again.status == .ok, "\(again.text)")
            let project = try #require(try again.json()["project"] as? [String: Any])
            #expect(project["id"] as? String == projectID)
            #expect(project["full_name"] as? String == "acme-labs/gadgets")
            #expect(try await count("projects", app.store) == 1)

            let old = try await Browser.anonymous.get(app, "/api/v1/projects/acme/widgets")
            #expect(old.status == .movedPermanently)
            #expect(old.headers[.location] == "/api/v1/projects/acme-labs/gadgets")
            let oldDonations = try await Browser.anonymous.get(app, "/api/v1/projects/acme/widgets/donations?limit=5")
            #expect(oldDonations.headers[.location] == "/api/v1/projects/acme-labs/gadgets/donations?limit=5")
            // Claiming by the old name follows GitHub's redirect to the same repository.
            let byOldName = try await alice.post(app, "/api/v1/projects", json: #"{"owner":"acme","repo":"widgets"}"#)
            #expect(byOldName.status == .ok, "\(byOldName.text)")
            #expect((try byOldName.json()["project"] as? [String: Any])?["id"] as? String == projectID)
        }
    }

    @Test("an unclaimed page made by the operator is claimed in place, keeping its donations")
    func claimOperatorPage() async throws {
        try await withProductionWorld(.sqlite) { world in
            let app = world.app
            await world.github.addUser("alice")
            await world.github.addRepository("acme/widgets", access: ["alice": .admin])
            let page = try await app.store.projects.create(try RepositoryName(parsing: "acme/widgets"))
            try await app.store.ledger.post(
                .grant(amount: Money(dollars: 7)), to: page.id, idempotencyKey: "g", memo: "g")
            let alice = try await githubSignIn(app, "alice", github: world.github)
            let claimed = try await alice.post(app, "/api/v1/projects", json: #"{"owner":"acme","repo":"widgets"}"#)
            #expect(claimed.status == .ok)
            let project = try #require(try claimed.json()["project"] as? [String: Any])
            #expect(project["id"] as? String == page.id.rawValue)
            #expect((project["available"] as? [String: Any])?["micros"] as? Int == 7_000_000)
        }
    }

    @Test("re-verification after 24 hours drops a maintainer whose permission is gone")
    func reverification() async throws {
        let clock = ManualClock(Timestamp.now())
        try await withProductionWorld(.sqlite, clock: clock) { world in
            let app = world.app
            await world.github.addUser("alice")
            let repo = await world.github.addRepository("acme/widgets", access: ["alice": .admin])
            let alice = try await githubSignIn(app, "alice", github: world.github)
            _ = try await alice.post(app, "/api/v1/projects", json: #"{"owner":"acme","repo":"widgets"}"#)
            let identity = try #require(
                try await app.dependencies.sessions.resolve(cookieValue: alice.cookie ?? ""))
            let project = try #require(
                try await app.store.projects.find(named: try RepositoryName(parsing: "acme/widgets")))
            let verifier = MaintainerVerifier(dependencies: app.dependencies)
            let fresh = try await verifier.requireVerifiedMaintainer(identity, of: project)
            await world.github.setAccess(repo, login: "alice", .push)
            // Within 24 hours the earlier check stands.
            #expect(try await verifier.requireVerifiedMaintainer(identity, of: project).verifiedAt == fresh.verifiedAt)
            clock.advance(seconds: 24 * 3600 + 1)
            await #expect(throws: APIError.self) { try await verifier.requireVerifiedMaintainer(identity, of: project) }
            #expect(try await app.store.projects.maintainer(of: project.id, user: identity.user.id) == nil)
            // Restored permission is verified again on the next claim.
            await world.github.setAccess(repo, login: "alice", .maintain)
            let back = try await alice.post(app, "/api/v1/projects", json: #"{"owner":"acme","repo":"widgets"}"#)
            #expect(back.status == .ok)
            #expect(try await verifier.requireVerifiedMaintainer(identity, of: project).permission == "maintain")
        }
    }

    @Test("in sandbox every claimant is an admin of the repository")
    func sandboxClaims() async throws {
        try await withTestStore(.sqlite) { store, _ in
            try await withAppWorld(try await sandboxConfiguration(), store: store) { app in
                let ada = try await sandboxSignIn(app, "ada")
                let claimed = try await ada.post(app, "/api/v1/projects", json: #"{"owner":"torvalds","repo":"linux"}"#)
                #expect(claimed.status == .created)
                #expect(try claimed.json()["permission"] as? String == "admin")
                let github = try await app.client.execute(uri: "/auth/github?return_to=/x", method: .get)
                #expect(github.headers[.location] == "/auth/sandbox?return_to=%2Fx")
            }
        }
    }
}
