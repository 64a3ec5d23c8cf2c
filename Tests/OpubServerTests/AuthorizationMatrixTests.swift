import HTTPTypes
import OpubCore
import OpubServer
import OpubServerStandIns
import OpubStore
import OpubTestSupport
import Testing

/// Every mutating route × {anonymous, another user, a maintainer of another project, the right
/// user}, and the right user without or with a wrong CSRF token (403, nothing changed).
@Suite("Authorization matrix", .serialized)
struct AuthorizationMatrixTests {
    enum Role: String, CaseIterable, Sendable {
        case anonymous, anotherUser, otherMaintainer, rightUser
    }

    /// One mutating route: how to call it, and the status each role gets.
    struct Case: Sendable {
        let name: String
        let path: String
        let json: String?
        let expected: [Role: Int]
    }

    static let tables = [
        "users", "projects", "maintainers", "donations", "ledger_transactions", "web_sessions", "stripe_events",
        "project_names",
    ]

    func snapshot(_ store: Store) async throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for table in Self.tables { counts[table] = try await count(table, store) }
        return counts
    }

    func run(_ cases: [Case], app: AppWorld, browsers: @Sendable (Role) async throws -> Browser) async throws {
        for item in cases {
            let right = try await browsers(.rightUser)
            for mode in [Browser.CSRF.missing, .wrong] {
                let before = try await snapshot(app.store)
                let refused = try await right.post(app, item.path, json: item.json, csrf: mode)
                #expect(refused.status == .forbidden, "\(item.name) with \(mode) CSRF: \(refused.text)")
                #expect(refused.errorCode == "csrf_token_invalid", "\(item.name)")
                #expect(try await snapshot(app.store) == before, "\(item.name) with \(mode) CSRF changed something")
            }
            for role in Role.allCases {
                guard let status = item.expected[role] else { continue }
                let browser = try await browsers(role)
                let response = try await browser.post(app, item.path, json: item.json)
                #expect(response.status.code == status, "\(item.name) as \(role): \(response.text)")
            }
        }
    }

    @Test("production routes: claim, donate, sign out, webhook")
    func production() async throws {
        try await withProductionWorld(.sqlite) { world in
            let app = world.app
            let github = world.github
            for login in ["stranger", "otherMaintainer", "owner"] { await github.addUser(login) }
            await github.addRepository("acme/widgets", access: ["owner": .admin])
            await github.addRepository("other/thing", access: ["otherMaintainer": .admin])
            let stranger = try await githubSignIn(app, "stranger", github: github)
            let other = try await githubSignIn(app, "otherMaintainer", github: github)
            let owner = try await githubSignIn(app, "owner", github: github)
            #expect(
                try await other.post(app, "/api/v1/projects", json: #"{"owner":"other","repo":"thing"}"#).status
                    == .created)
            let browsers: @Sendable (Role) async throws -> Browser = { role in
                switch role {
                case .anonymous: return .anonymous
                case .anotherUser: return stranger
                case .otherMaintainer: return other
                case .rightUser: return owner
                }
            }
            try await run(
                [
                    Case(
                        name: "claim", path: "/api/v1/projects", json: #"{"owner":"acme","repo":"widgets"}"#,
                        expected: [.anonymous: 401, .anotherUser: 403, .otherMaintainer: 403, .rightUser: 201]),
                    Case(
                        name: "donate", path: "/api/v1/projects/acme/widgets/donations", json: #"{"amount":"5.00"}"#,
                        expected: [.anonymous: 401, .anotherUser: 201, .otherMaintainer: 201, .rightUser: 201]),
                ], app: app, browsers: browsers)
            // The webhook answers only to Stripe's signature, whoever calls.
            for role in Role.allCases {
                let response = try await browsers(role).post(app, "/webhooks/stripe", json: #"{"id":"evt_x"}"#)
                #expect(response.status == .badRequest, "webhook as \(role)")
                #expect(response.errorCode == "invalid_signature")
            }
            // Sign-out last: it ends the sessions.
            try await run(
                [
                    Case(
                        name: "sign-out", path: "/auth/sign-out", json: nil,
                        expected: [.anonymous: 401, .anotherUser: 204, .otherMaintainer: 204, .rightUser: 204])
                ], app: app, browsers: browsers)
        }
    }

    @Test("sandbox routes: sign-in, claim, donate, sandbox checkout, sign out")
    func sandbox() async throws {
        try await withTestStore(.sqlite) { store, _ in
            try await withAppWorld(try await sandboxConfiguration(), store: store) { app in
                let stranger = try await sandboxSignIn(app, "stranger")
                let other = try await sandboxSignIn(app, "other")
                let donor = try await sandboxSignIn(app, "donor")
                #expect(
                    try await other.post(app, "/api/v1/projects", json: #"{"owner":"other","repo":"thing"}"#).status
                        == .created)
                let started = try await donor.post(
                    app, "/api/v1/projects/acme/widgets/donations", json: #"{"amount":"5.00"}"#)
                let session = try #require((try started.json()["checkout_url"] as? String)?.split(separator: "/").last)
                let second = try await donor.post(
                    app, "/api/v1/projects/acme/widgets/donations", json: #"{"amount":"6.00"}"#)
                let secondSession = try #require(
                    (try second.json()["checkout_url"] as? String)?.split(separator: "/").last)
                let browsers: @Sendable (Role) async throws -> Browser = { role in
                    switch role {
                    case .anonymous: return .anonymous
                    case .anotherUser: return stranger
                    case .otherMaintainer: return other
                    case .rightUser: return donor
                    }
                }
                try await run(
                    [
                        Case(
                            name: "claim", path: "/api/v1/projects", json: #"{"owner":"acme","repo":"widgets"}"#,
                            expected: [.anonymous: 401, .anotherUser: 200, .otherMaintainer: 200, .rightUser: 200]),
                        Case(
                            name: "donate", path: "/api/v1/projects/acme/widgets/donations",
                            json: #"{"amount":"5.00"}"#,
                            expected: [.anonymous: 401, .anotherUser: 201, .otherMaintainer: 201, .rightUser: 201]),
                        Case(
                            name: "complete checkout", path: "/sandbox/checkout/\(session)/complete", json: nil,
                            expected: [.anonymous: 401, .anotherUser: 404, .otherMaintainer: 404, .rightUser: 200]),
                        Case(
                            name: "cancel checkout", path: "/sandbox/checkout/\(secondSession)/cancel", json: nil,
                            expected: [.anonymous: 401, .anotherUser: 404, .otherMaintainer: 404, .rightUser: 200]),
                        Case(
                            name: "sign-out", path: "/auth/sign-out", json: nil,
                            expected: [.anonymous: 401, .anotherUser: 204, .otherMaintainer: 204, .rightUser: 204]),
                    ], app: app, browsers: browsers)
                // Sign-in needs no session, and is never a CSRF target (it only creates a session).
                #expect(
                    try await Browser.anonymous.post(app, "/auth/sandbox", json: #"{"login":"newcomer"}"#).status == .ok
                )
            }
        }
    }
}
