import Foundation
import Hummingbird
import Logging
import NIOCore
import OpubCLI
import OpubCore
import OpubSurfaces
import ServiceLifecycle

/// A stand-in for the opub server's CLI routes (`server.md`, "CLI"), authenticated with the link token
/// exactly as the server will be: the stand-in stores only each key's verifier and checks presented
/// tokens with ``LinkToken/matches(token:verifier:)``.
actor CLIServerState {
    struct KeyEntry: Sendable {
        var verifier: String
        var project: String
        var name: String
        var state: String = "active"
        var disabledReason: String?
        var limit = Money(dollars: 20)
        var spent = Money(micros: 1_250_000)
    }

    struct SessionEntry: Sendable {
        var start: CLISessionStart
        var puts = 0
        var heartbeats = 0
        var end: CLISessionEnd?
    }

    var keys: [String: KeyEntry] = [:]
    var sessions: [String: SessionEntry] = [:]
    var revoked: [String] = []
    var recommendedModels: [String: String] = [:]
    var heartbeatInterval = 1
    var providerURL = "https://openrouter.ai/api/v1"
    var requests: [String] = []
    /// The CLI version `GET /downloads/opub` says this server distributes; nil: no distribution (404).
    var distributedVersion: String?

    func distribute(_ version: String?) { distributedVersion = version }

    func addKey(_ keyID: KeyID, secret: String, project: String, name: String = "laptop") {
        keys[keyID.rawValue] = KeyEntry(
            verifier: LinkToken.verifier(ofToken: LinkToken.derive(secret: secret, keyID: keyID)), project: project,
            name: name)
    }

    func configure(models: [String: String], providerURL: String, heartbeatInterval: Int = 1) {
        self.recommendedModels = models
        self.providerURL = providerURL
        self.heartbeatInterval = heartbeatInterval
    }

    /// Lines the session start answer asks the CLI to print.
    private(set) var sessionNotices: [String] = []

    func announce(_ notices: [String]) { sessionNotices = notices }

    func disable(_ keyID: KeyID, reason: String) {
        keys[keyID.rawValue]?.state = "disabled"
        keys[keyID.rawValue]?.disabledReason = reason
    }

    func record(_ line: String) { requests.append(line) }

    /// The key whose verifier matches the token, when the token is for `keyID`.
    func authorize(_ token: String?, keyID: String) -> KeyEntry? {
        guard let token, let entry = keys[keyID], LinkToken.matches(token: token, verifier: entry.verifier) else {
            return nil
        }
        return entry
    }

    /// The key id a token belongs to.
    func keyID(forToken token: String?) -> String? {
        guard let token else { return nil }
        return keys.first { LinkToken.matches(token: token, verifier: $0.value.verifier) }?.key
    }

    func status(_ keyID: String, _ entry: KeyEntry) -> CLIKeyStatus {
        CLIKeyStatus(
            key: .init(
                id: keyID, name: entry.name, state: entry.state, disabledReason: entry.disabledReason,
                limit: CLIAmount(entry.limit), spent: CLIAmount(entry.spent),
                remaining: CLIAmount(entry.limit - entry.spent)),
            project: .init(fullName: entry.project, available: CLIAmount(Money(dollars: 75))),
            recommendedModels: recommendedModels, heartbeatIntervalSeconds: heartbeatInterval,
            providerURL: providerURL)
    }

    func putSession(_ id: String, _ start: CLISessionStart) {
        if sessions[id] == nil { sessions[id] = SessionEntry(start: start) }
        sessions[id]?.puts += 1
    }

    func heartbeat(_ id: String) -> Bool {
        guard sessions[id] != nil else { return false }
        sessions[id]?.heartbeats += 1
        return true
    }

    func end(_ id: String, _ body: CLISessionEnd) -> Bool {
        guard sessions[id] != nil else { return false }
        sessions[id]?.end = body
        return true
    }

    func revoke(_ keyID: String) {
        revoked.append(keyID)
        keys[keyID]?.state = "disabled"
        keys[keyID]?.disabledReason = "revoked"
    }
}

struct CLIServerStandIn: Sendable {
    let state: CLIServerState

    static func bearer(_ request: Request) -> String? {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else { return nil }
        return String(header.dropFirst(7))
    }

    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try JSONEncoder().encode(value)
        return Response(
            status: status, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func problem(_ status: HTTPResponse.Status, _ code: String, _ message: String) -> Response {
        (try? json(CLIErrorBody(code: code, message: message), status: status))
            ?? Response(status: .internalServerError)
    }

    func makeRouter() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        let api = router.group("api/v1/cli")
        let state = self.state
        router.get("downloads/opub") { _, _ in
            guard let version = await state.distributedVersion else {
                return Self.problem(.notFound, "no_such_route", "There is nothing here.")
            }
            return try Self.json([
                "version": version, "install_command": "curl -fsSL http://127.0.0.1/install.sh | sh",
            ])
        }
        api.get("keys/:ck") { request, context in
            let keyID = context.parameters.get("ck") ?? ""
            await state.record("GET keys/\(keyID)")
            guard let entry = await state.authorize(Self.bearer(request), keyID: keyID) else {
                return Self.problem(.notFound, "key_not_found", "No such key for this link token.")
            }
            return try Self.json(await state.status(keyID, entry))
        }
        api.post("keys/:ck/revoke") { request, context in
            let keyID = context.parameters.get("ck") ?? ""
            await state.record("POST keys/\(keyID)/revoke")
            guard await state.authorize(Self.bearer(request), keyID: keyID) != nil else {
                return Self.problem(.notFound, "key_not_found", "No such key for this link token.")
            }
            await state.revoke(keyID)
            return Response(status: .accepted)
        }
        api.put("sessions/:ls") { request, context in
            let sessionID = context.parameters.get("ls") ?? ""
            await state.record("PUT sessions/\(sessionID)")
            let body = try await request.body.collect(upTo: 65_536)
            let start = try JSONDecoder().decode(CLISessionStart.self, from: Data(buffer: body))
            guard await state.authorize(Self.bearer(request), keyID: start.keyID) != nil else {
                return Self.problem(.unauthorized, "bad_link_token", "The link token does not match the key.")
            }
            await state.putSession(sessionID, start)
            let notices = await state.sessionNotices
            guard !notices.isEmpty else { return Response(status: .created) }
            let answer = try JSONEncoder().encode(CLISessionStarted(notices: notices))
            return Response(status: .created, body: .init(byteBuffer: ByteBuffer(bytes: answer)))
        }
        api.post("sessions/:ls/heartbeat") { request, context in
            let sessionID = context.parameters.get("ls") ?? ""
            await state.record("POST sessions/\(sessionID)/heartbeat")
            guard let keyID = await state.keyID(forToken: Self.bearer(request)) else {
                return Self.problem(.unauthorized, "bad_link_token", "The link token does not match the key.")
            }
            guard await state.heartbeat(sessionID) else {
                return Self.problem(.notFound, "session_not_found", "No such session.")
            }
            if let entry = await state.keys[keyID], entry.state != "active" {
                return Self.problem(.conflict, "key_disabled", "The key is disabled.")
            }
            return Response(status: .noContent)
        }
        api.post("sessions/:ls/end") { request, context in
            let sessionID = context.parameters.get("ls") ?? ""
            await state.record("POST sessions/\(sessionID)/end")
            guard await state.keyID(forToken: Self.bearer(request)) != nil else {
                return Self.problem(.unauthorized, "bad_link_token", "The link token does not match the key.")
            }
            let body = try await request.body.collect(upTo: 65_536)
            let end = try JSONDecoder().decode(CLISessionEnd.self, from: Data(buffer: body))
            guard await state.end(sessionID, end) else {
                return Self.problem(.notFound, "session_not_found", "No such session.")
            }
            return Response(status: .noContent)
        }
        return router
    }

    /// Serves on `port` (0 = any free port) while `body` runs.
    func serve<Result: Sendable>(
        port: Int = 0, _ body: @Sendable (_ url: String) async throws -> Result
    ) async throws -> Result {
        var logger = Logger(label: "cli-standin")
        logger.logLevel = .warning
        let (ports, portSink) = AsyncStream<Int>.makeStream()
        let application = Application(
            router: makeRouter(), configuration: .init(address: .hostname("127.0.0.1", port: port)),
            onServerRunning: { channel in
                portSink.yield(channel.localAddress?.port ?? port)
                portSink.finish()
            }, logger: logger)
        let services = ServiceGroup(
            configuration: .init(services: [application], gracefulShutdownSignals: [], logger: logger))
        return try await withThrowingTaskGroup(of: Void.self, returning: Result.self) { group in
            group.addTask {
                defer { portSink.finish() }
                try await services.run()
            }
            var iterator = ports.makeAsyncIterator()
            guard let bound = await iterator.next() else {
                try await group.next()
                throw CLIError("the stand-in server stopped before it listened")
            }
            do {
                let result = try await body("http://127.0.0.1:\(bound)")
                await services.triggerGracefulShutdown()
                try await group.waitForAll()
                return result
            } catch {
                await services.triggerGracefulShutdown()
                try? await group.waitForAll()
                throw error
            }
        }
    }
}
