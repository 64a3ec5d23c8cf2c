import HTTPTypes
import Hummingbird
import OpubCore
import OpubStore
import OpubSurfaces

/// The CLI's routes (`server.md`, "CLI"), authenticated by the key's link token, never the secret.
///
/// Answers: no or malformed `Authorization` → 401 `link_token_required`; a token that belongs to
/// no key → 401 `invalid_link_token`; a valid token used for another key's key or session → 403
/// `wrong_key`; a disabled key cannot start or keep a session → 409 `key_disabled`.
struct CLIAPIRoutes: RouteModule {
    let dependencies: AppDependencies

    var store: Store { dependencies.store }

    func register(on routes: RouteRegistrar) {
        routes.get("/api/v1/cli/keys/{key}") { request, context in
            let key = try await authenticate(request, context, forKey: try ProjectPath.key(context))
            return JSON.response(try await status(of: key))
        }
        routes.post("/api/v1/cli/keys/{key}/revoke") { request, context in
            let key = try await authenticate(request, context, forKey: try ProjectPath.key(context))
            let outcome = try await MaintainerKeys.revoke(key, dependencies: dependencies)
            dependencies.cliCache.forget(key: key)
            return JSON.response(RevokedJSON(key.id, outcome), status: .accepted)
        }
        routes.on(.put, "/api/v1/cli/sessions/{session}") { request, context in
            try await start(request, context)
        }
        routes.post("/api/v1/cli/sessions/{session}/heartbeat") { request, context in
            let (key, session) = try await authenticateSession(request, context)
            guard key.state == .active else { throw Self.keyDisabled(key) }
            guard session.isOpen else {
                throw APIError.conflict(
                    "session_ended",
                    "Session \(session.id) has ended (\(session.endReason ?? "ended")); start a new one with opub run.")
            }
            dependencies.heartbeats.record(session.id, at: dependencies.clock.now())
            return Response(status: .noContent)
        }
        routes.post("/api/v1/cli/sessions/{session}/end") { request, context in
            let (key, session) = try await authenticateSession(request, context)
            let body = try await RequestBodies.jsonObject(request, allowed: ["exit_code", "reason"])
            let reason = try body.requiredString("reason", example: "exited")
            guard (1...32).contains(reason.count), reason.allSatisfy({ $0.isASCII && ($0.isLowercase || $0 == "_") })
            else {
                throw APIError.badRequest(
                    "invalid_reason", "reason is a short snake_case word such as exited, signal or failed_to_start.",
                    details: ["field": .string("reason")])
            }
            let exitCode = try body.optionalInt("exit_code", range: -1...255)
            let outcome = try await store.agentSessions.endReporting(session.id, reason: reason, exitCode: exitCode)
            if let ended = outcome.session { dependencies.cliCache.remember(ended) }
            // Only the end that closed the session costs provider reads; replays of it (and ends that
            // lost a race with another end or the sweeper) are free.
            if outcome.endedNow, key.providerHash != nil { dependencies.keyReconciles?.request(key.id) }
            return Response(status: .noContent)
        }
    }

    // MARK: - Authentication

    /// The key the request's link token belongs to (401 when none), rate-limited per client.
    func authenticate(_ request: Request, _ context: AppRequestContext) async throws -> ComputeKeyRecord {
        try await dependencies.rateLimits.check(dependencies.rateLimits.cli, context: context)
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else {
            throw Self.unauthorized(
                "link_token_required",
                "Send the key's link token as Authorization: Bearer <token>; opub setup stores what the CLI needs.")
        }
        let token = header.dropFirst("Bearer ".count).trimmingCharacters(in: .whitespaces)
        guard token.count == 43, token.utf8.allSatisfy(Self.isBase64URL) else {
            throw Self.invalidToken()
        }
        let verifier = LinkToken.verifier(ofToken: token)
        guard
            let key = try await dependencies.cliCache.key(
                verifier: verifier, load: { try await store.keys.find(linkTokenVerifier: verifier) }),
            let stored = key.linkTokenHash, LinkToken.matches(token: token, verifier: stored)
        else { throw Self.invalidToken() }
        return key
    }

    /// As ``authenticate(_:_:)``, for a route about key `id`: 403 when the token is another key's.
    func authenticate(
        _ request: Request, _ context: AppRequestContext, forKey id: KeyID
    ) async throws
        -> ComputeKeyRecord
    {
        let key = try await authenticate(request, context)
        guard key.id == id else { throw Self.wrongKey("key \(id)") }
        return key
    }

    /// The authenticated key and the session of the path, which must be that key's.
    func authenticateSession(
        _ request: Request, _ context: AppRequestContext
    ) async throws -> (
        ComputeKeyRecord, AgentSessionRecord
    ) {
        let key = try await authenticate(request, context)
        let id = try Self.sessionID(context)
        guard
            let session = try await dependencies.cliCache.session(id, load: { try await store.agentSessions.find(id) })
        else {
            throw APIError.notFound(
                "session_not_found", "There is no session \(id); opub run starts one with PUT first.",
                details: ["session": .string(id.rawValue)])
        }
        guard session.keyID == key.id else { throw Self.wrongKey("session \(id)") }
        return (key, session)
    }

    // MARK: - Handlers

    func start(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let key = try await authenticate(request, context)
        let id = try Self.sessionID(context)
        let body = try await RequestBodies.jsonObject(
            request, allowed: ["key_id", "surface", "surface_version", "cli_version", "os"])
        let keyText = try body.requiredString("key_id", example: "ck_…")
        guard let bodyKey = KeyID(keyText) else {
            throw APIError.badRequest(
                "invalid_key_id", "key_id '\(keyText)' is not a compute key id.", details: ["field": .string("key_id")])
        }
        guard bodyKey == key.id else { throw Self.wrongKey("key \(bodyKey)") }
        let start = AgentSessionStart(
            surface: try Self.label(body.requiredString("surface", example: "claude"), field: "surface", maximum: 32),
            surfaceVersion: try body.optionalString("surface_version").map {
                try Self.label($0, field: "surface_version", maximum: 64)
            },
            cliVersion: try Self.label(
                body.requiredString("cli_version", example: "0.1.0"), field: "cli_version", maximum: 32),
            os: try Self.label(body.requiredString("os", example: "linux"), field: "os", maximum: 64))
        guard key.state == .active else { throw Self.keyDisabled(key) }
        switch try await store.agentSessions.start(id, key: key, start) {
        case .created(let session), .existing(let session):
            dependencies.cliCache.remember(session)
            // The one line `opub run` prints at start: what the key spent outside opub's sessions since
            // the last one ended.
            let since = try await store.alerts.lastSessionEnd(of: key.id, excluding: id)
            let direct = try await store.alerts.directUse(of: key.id, since: since)
            let notices = [CLISessionStarted.directUseNotice(CLIAmount(direct))].compactMap { $0 }
            return JSON.response(CLISessionStarted(notices: notices), status: .created)
        case .takenByAnotherKey:
            throw Self.wrongKey("session \(id)")
        }
    }

    func status(of key: ComputeKeyRecord) async throws -> CLIKeyStatus {
        // The row alone: available is cached on it, and the summary's totals are not needed here.
        guard let project = try await store.projects.find(key.projectID) else {
            throw StoreError.corrupt("project \(key.projectID) vanished")
        }
        let name = project.name
        let since = try await store.alerts.lastSessionEnd(of: key.id)
        let direct = try await store.alerts.directUse(of: key.id, since: since)
        let alerts = try await store.alerts.recent(
            ofKey: key.id, since: dependencies.clock.now().adding(seconds: -7 * 86_400))
        return CLIKeyStatus(
            key: .init(
                id: key.id.rawValue, name: key.name, state: key.state.status,
                disabledReason: key.state.reason?.rawValue,
                limit: CLIAmount(key.limit), spent: CLIAmount(key.spent),
                remaining: CLIAmount(key.remaining), replacedBy: key.replacedBy?.rawValue,
                allowance: key.allowance.map(CLIAmount.init),
                renewsOn: key.allowance == nil ? nil : key.allowanceMonth?.renewsOn.iso8601,
                alerts: alerts.map(\.message), directUseSinceLastSession: CLIAmount(direct)),
            project: .init(
                fullName: name.description, available: CLIAmount(project.available),
                url: dependencies.urls.url("/github/\(name.owner)/\(name.repo)")),
            recommendedModels: dependencies.recommendedModels.current,
            heartbeatIntervalSeconds: AgentSettings.heartbeatIntervalSeconds, providerURL: dependencies.providerURL)
    }

    // MARK: - Input and errors

    static func sessionID(_ context: AppRequestContext) throws -> SessionID {
        let text = context.parameters.get("session") ?? ""
        guard let id = SessionID(text) else {
            throw APIError.badRequest(
                "invalid_session_id", "'\(text)' is not a session id; they look like ls_….",
                details: ["session": .string(text)])
        }
        return id
    }

    /// A short printable label (surface, versions, OS).
    static func label(_ text: String, field: String, maximum: Int) throws -> String {
        guard (1...maximum).contains(text.count), text.allSatisfy({ !$0.isNewline && ($0.isASCII || $0.isLetter) }),
            text.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F })
        else {
            throw APIError.badRequest(
                "invalid_\(field)", "\(field) must be 1 to \(maximum) printable characters.",
                details: ["field": .string(field)])
        }
        return text
    }

    static func isBase64URL(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "-")
            || byte == UInt8(ascii: "_")
    }

    static func unauthorized(_ code: String, _ message: String) -> APIError {
        var headers = HTTPFields()
        headers[.wwwAuthenticate] = "Bearer"
        return APIError(.unauthorized, code: code, message: message, headers: headers)
    }

    static func invalidToken() -> APIError {
        unauthorized(
            "invalid_link_token",
            "This link token belongs to no compute key: the key may have been deleted, or the stored secret is not "
                + "the one opub issued. Run opub setup again with the key's secret.")
    }

    static func wrongKey(_ what: String) -> APIError {
        .forbidden("wrong_key", "This link token belongs to another compute key than \(what).")
    }

    static func keyDisabled(_ key: ComputeKeyRecord) -> APIError {
        var details: [String: JSONValue] = ["key": .string(key.id.rawValue), "state": .string(key.state.status)]
        let message: String
        if key.state == .provisioning {
            message = "Key \(key.id) is still being created; try again in a moment."
        } else if let successor = key.replacedBy {
            details["replaced_by"] = .string(successor.rawValue)
            message = CLIKeyStatus.rotatedMessage(key: key.id.rawValue, replacedBy: successor.rawValue)
        } else {
            message =
                "Key \(key.id) is disabled (\(key.state.reason?.rawValue ?? "disabled")); ask a maintainer for a new key."
        }
        return .conflict("key_disabled", message, details: details)
    }
}
