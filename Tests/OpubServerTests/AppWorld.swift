import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import OpubCore
import OpubServer
import OpubServerStandIns
import OpubStore
import OpubTestSupport

/// A secret long enough for production settings.
let testSecretKey = "test-secret-key-0123456789abcdef0123456789abcdef"

/// Settings for a full sandbox.
func sandboxConfiguration(_ extra: [String: String] = [:]) async throws -> ServerConfiguration {
    try await ConfigurationLoader.make(environment: ["OPUB_SECRET_KEY": testSecretKey].merging(extra) { $1 }).load()
}

/// Production settings against the stand-ins (the provider part stays sandboxed: it belongs to
/// another feature).
func productionConfiguration(
    github: String, githubStandIn: GitHubStandIn, stripe: String, stripeStandIn: StripeStandIn,
    extra: [String: String] = [:]
) async throws -> ServerConfiguration {
    try await ConfigurationLoader.make(
        environment: [
            "OPUB_BASE_URL": "http://127.0.0.1:9", "OPUB_SECRET_KEY": testSecretKey,
            "GITHUB_CLIENT_ID": githubStandIn.clientID, "GITHUB_CLIENT_SECRET": githubStandIn.clientSecret,
            "GITHUB_API_URL": github, "GITHUB_WEB_URL": github, "STRIPE_SECRET_KEY": stripeStandIn.secretKey,
            "STRIPE_WEBHOOK_SECRET": stripeStandIn.webhookSecret, "STRIPE_API_URL": stripe,
            "OPUB_SANDBOX_PROVIDER": "true",
        ].merging(extra) { $1 }
    ).load()
}

/// The app under test: its dependencies and a test client.
struct AppWorld: Sendable {
    let dependencies: AppDependencies
    let client: any TestClientProtocol
    let routes: RouteTable

    var store: Store { dependencies.store }
}

/// Builds the app `serve` would build from `configuration` on `store`, and runs `body` against it
/// (`.router`: in process; `.live`: on a loopback port, for stand-ins that call back).
func withAppWorld<R: Sendable>(
    _ configuration: ServerConfiguration, store: Store, setup: TestingSetup = .router,
    clock: any TimeSource = SystemTimeSource(), rateLimits: RateLimits? = nil,
    _ body: @Sendable (AppWorld) async throws -> R
) async throws -> R {
    let httpClient = HTTPClient(eventLoopGroupProvider: .singleton)
    do {
        let composition = ServerComposition.make(
            configuration: configuration, store: store, secretKey: configuration.secretKey ?? testSecretKey,
            httpClient: httpClient, logger: quietLogger(), clock: clock, rateLimits: rateLimits)
        let (router, routes) = OpubApplication.router(
            dependencies: composition.dependencies, modules: composition.modules)
        // The targeted key reconciles are the one background service the routes hand work to.
        let app = Application(
            router: router, services: [composition.dependencies.keyReconciles].compactMap { $0 },
            logger: quietLogger())
        let result = try await app.test(setup) { client in
            try await body(AppWorld(dependencies: composition.dependencies, client: client, routes: routes))
        }
        try await httpClient.shutdown()
        return result
    } catch {
        try? await httpClient.shutdown()
        throw error
    }
}

/// A browser: the session cookie and CSRF token it holds.
struct Browser: Sendable {
    var cookie: String?
    var csrf: String?

    static let anonymous = Browser(cookie: nil, csrf: nil)

    enum CSRF: Sendable {
        case session
        case missing
        case wrong
    }

    func headers(csrf mode: CSRF = .session, json: Bool = false) -> HTTPFields {
        var headers = HTTPFields()
        if let cookie { headers[.cookie] = "opub_session=\(cookie)" }
        switch mode {
        case .session: if let csrf { headers[HTTPField.Name("X-CSRF-Token")!] = csrf }
        case .missing: break
        case .wrong: headers[HTTPField.Name("X-CSRF-Token")!] = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
        }
        if json { headers[.contentType] = "application/json" }
        return headers
    }

    func get(_ app: AppWorld, _ path: String) async throws -> TestResponse {
        try await app.client.execute(uri: path, method: .get, headers: headers())
    }

    func post(_ app: AppWorld, _ path: String, json: String? = nil, csrf: CSRF = .session) async throws -> TestResponse
    {
        try await app.client.execute(
            uri: path, method: .post, headers: headers(csrf: csrf, json: json != nil),
            body: json.map { ByteBuffer(string: $0) })
    }

    func put(_ app: AppWorld, _ path: String, json: String) async throws -> TestResponse {
        try await app.client.execute(
            uri: path, method: .put, headers: headers(csrf: .session, json: true), body: ByteBuffer(string: json))
    }
}

/// Signs in through the sandbox form's JSON variant.
func sandboxSignIn(_ app: AppWorld, _ login: String) async throws -> Browser {
    let response = try await app.client.execute(
        uri: "/auth/sandbox", method: .post, headers: [.contentType: "application/json"],
        body: ByteBuffer(string: #"{"login":"\#(login)"}"#))
    guard response.status == .ok, let cookie = sessionCookie(response) else {
        throw TestFailure("sandbox sign-in as \(login) answered \(response.status): \(response.text)")
    }
    return Browser(cookie: cookie, csrf: try response.json()["csrf_token"] as? String)
}

/// Signs in through GitHub OAuth against the stand-in: opub redirects to the stand-in's authorize
/// endpoint, which redirects back to opub's callback with a code.
func githubSignIn(_ app: AppWorld, _ login: String, github: GitHubStandIn) async throws -> Browser {
    await github.signInBrowser(as: login)
    let start = try await app.client.execute(uri: "/auth/github?return_to=/me", method: .get)
    guard start.status == .seeOther, let authorize = start.headers[.location],
        let stateCookie = cookieValue(start, name: "opub_oauth_state")
    else { throw TestFailure("GET /auth/github answered \(start.status): \(start.text)") }
    var request = HTTPClientRequest(url: authorize)
    request.method = .GET
    let noRedirects = HTTPClient(
        eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))
    let reply = try await noRedirects.execute(request, timeout: .seconds(10))
    try await noRedirects.shutdown()
    guard reply.status.code == 302, let callback = reply.headers.first(name: "Location"),
        let components = URLComponents(string: callback)
    else { throw TestFailure("the stand-in's authorize answered \(reply.status)") }
    let path = components.path + "?" + (components.percentEncodedQuery ?? "")
    let finish = try await app.client.execute(
        uri: path, method: .get, headers: [.cookie: "opub_oauth_state=\(stateCookie)"])
    guard finish.status == .seeOther, let cookie = sessionCookie(finish) else {
        throw TestFailure("the OAuth callback answered \(finish.status): \(finish.text)")
    }
    var browser = Browser(cookie: cookie, csrf: nil)
    browser.csrf = try await browser.get(app, "/api/v1/me").json()["csrf_token"] as? String
    return browser
}

func cookieValue(_ response: TestResponse, name: String) -> String? {
    for header in response.headers[values: .setCookie] {
        let first = header.split(separator: ";").first ?? ""
        let parts = first.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        if parts.count == 2, parts[0] == name, !parts[1].isEmpty { return String(parts[1]) }
    }
    return nil
}

func sessionCookie(_ response: TestResponse) -> String? {
    cookieValue(response, name: "opub_session")
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension TestResponse {
    var text: String { String(buffer: body) }

    func json() throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            throw TestFailure("not a JSON object: \(text)")
        }
        return object
    }

    var errorCode: String? {
        ((try? json())?["error"] as? [String: Any])?["code"] as? String
    }
}

/// Counts rows of a table (to prove that nothing was written).
func count(_ table: String, _ store: Store) async throws -> Int {
    try await store.rowCount(table)
}
