import HTTPTypes
import Hummingbird
import OpubCore
import OpubStore
import OpubSurfaces

/// `/github/{owner}/{repo}/keys`: the maintainers' dashboard (`server.md`). Everything goes through
/// ``MaintainerKeys``, the same service as the JSON API, so the page and the API authorise, validate and
/// refuse alike: signed out → sign in; signed in but not a verified maintainer → 403 page.
///
/// - `GET …/keys`: the keys table (name, state and reason, limit, spent, remaining, created by/at, last
///   linked session) and the create form.
/// - `POST …/keys`: creates a key and answers with the key creation result itself (``KeyCreatedPage``),
///   never a redirect to a URL that could show the secret again. The form carries a one-time token: a
///   reload or a second submit re-posts it, and is sent back to the table with a notice instead.
/// - `GET …/keys/{key}/revoke`: the confirmation (works without JavaScript); `POST` revokes.
/// - `GET …/keys/{key}/rotate`: the confirmation; `POST` rotates and answers with the new key's result
///   page (the new secret once). A reload re-posts to the old key, which is no longer active: the table
///   says so instead of rotating anything again.
struct KeysPage {
    let dependencies: AppDependencies
    static let formPurpose = "create-key"

    struct Model {
        let fullName: String
        let path: String
        let balance: String
        let reserved: String
        let available: String
        let claimed: Bool
        let inDebt: Bool
        let keys: [KeyRow]
        let hasKeys: Bool
        let notice: ProjectPage.Notice?
        let form: CreateForm
        let alerts: AlertsView
    }

    /// The alerts section: latest alerts, the webhook form with its signing secret and delivery log, and
    /// the per-key direct-use revoke thresholds.
    struct AlertsView {
        struct Alert {
            let time: String
            let kind: String
            let message: String
        }

        struct Delivery {
            let time: String
            let status: String
            let attempts: Int64
            let detail: String
        }

        struct Threshold {
            let keyID: String
            let keyName: String
            let threshold: String
        }

        let csrfToken: String
        let alerts: [Alert]
        let hasAlerts: Bool
        let webhookURL: String?
        let signingSecret: String?
        let deliveries: [Delivery]
        let hasDeliveries: Bool
        let thresholds: [Threshold]
        let hasThresholds: Bool

        init(_ overview: MaintainerAlerts.Overview, keys: [MaintainerKeyRow], csrfToken: String) {
            self.csrfToken = csrfToken
            alerts = overview.alerts.map {
                Alert(
                    time: WebFormat.minute($0.createdAt),
                    kind: $0.kind.rawValue.replacingOccurrences(of: "_", with: " "),
                    message: $0.message)
            }
            hasAlerts = !alerts.isEmpty
            webhookURL = overview.webhook?.url
            signingSecret = overview.signingSecret
            deliveries = overview.deliveries.map {
                Delivery(
                    time: WebFormat.minute($0.updatedAt), status: $0.status.rawValue, attempts: $0.attempts,
                    detail: $0.lastError ?? $0.lastStatusCode.map { "HTTP \($0)" } ?? "")
            }
            hasDeliveries = !deliveries.isEmpty
            thresholds = keys.filter { $0.key.state == .active }.map {
                Threshold(
                    keyID: $0.key.id.rawValue, keyName: $0.key.name,
                    threshold: overview.thresholds[$0.key.id]?.centsString ?? "")
            }
            hasThresholds = !thresholds.isEmpty
        }
    }

    struct KeyRow {
        let id: String
        let name: String
        let status: String
        let stateLabel: String
        let reason: String?
        let limit: String
        let spent: String
        let remaining: String
        /// For a monthly allowance key: when its allowance renews.
        let renewsOn: String?
        let createdBy: String
        let created: TimeView
        let expires: TimeView?
        let lastSession: String?
        let revokePath: String?
        let rotatePath: String?
        let replacementPath: String?
    }

    /// The create form, with what was typed and why it was refused.
    struct CreateForm {
        var csrfToken = ""
        var formToken = ""
        var name = ""
        var limit = ""
        var expiresOn = ""
        var monthly = false
        var minimum = ""
        var available = ""
        var earliestExpiry = ""
        var latestExpiry = ""
        var nameError: String?
        var limitError: String?
        var expiryError: String?
        var formError: String?
        var hasErrors = false
    }

    var pages: PageResponder { PageResponder(configuration: dependencies.configuration) }

    func show(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        guard let identity = context.identity else { return SignInLink.redirect(for: request) }
        let query = request.uri.queryParameters
        var form = CreateForm()
        form.name = String((query.get("name") ?? "").prefix(64))
        form.limit = String((query.get("limit") ?? "").prefix(16))
        return try await render(
            request, identity, name: try WebProject.name(context), form: form, notice: try await notice(request),
            status: .ok)
    }

    func render(
        _ request: Request, _ identity: SignedIn, name: RepositoryName, form: CreateForm,
        notice: ProjectPage.Notice?, status: HTTPResponse.Status
    ) async throws -> Response {
        let list = try await MaintainerKeys(dependencies: dependencies).list(name, by: identity)
        let project = list.project
        let path = WebProject.path(project.record.name)
        var form = form
        form.csrfToken = identity.csrfToken
        form.formToken = dependencies.random.token(bytes: 24)
        form.minimum = dependencies.configuration.provider.keyMinimumLimit.formatted()
        form.available = project.available.formatted()
        let today = dependencies.clock.now().civilDate
        form.earliestExpiry = CivilDate(daysSinceEpoch: today.daysSinceEpoch + 1).iso8601
        form.latestExpiry = CivilDate(daysSinceEpoch: today.daysSinceEpoch + 365).iso8601
        form.hasErrors =
            form.nameError != nil || form.limitError != nil || form.expiryError != nil
            || form.formError != nil
        let model = Model(
            fullName: project.record.name.description, path: path, balance: project.balance.formatted(),
            reserved: project.reserved.formatted(), available: project.available.formatted(),
            claimed: project.record.isClaimed, inDebt: project.record.isInDebt,
            keys: list.keys.map { Self.row($0, path: path) }, hasKeys: !list.keys.isEmpty, notice: notice, form: form,
            alerts: AlertsView(
                try await MaintainerAlerts(dependencies: dependencies).overview(of: project.record), keys: list.keys,
                csrfToken: identity.csrfToken))
        return try pages.render(
            "pages/keys", title: "Compute keys of \(project.record.name)", content: model, request: request,
            identity: identity, section: .me, status: status)
    }

    static func row(_ row: MaintainerKeyRow, path: String) -> KeyRow {
        let key = row.key
        let live = key.state.reason == nil
        var replacement: String?
        if !live, key.replacedBy == nil {
            replacement =
                "\(path)/keys?" + FormEncoding.encode([("name", key.name), ("limit", key.limit.centsString)])
                + "#create-key"
        }
        return KeyRow(
            id: key.id.rawValue, name: key.name, status: key.state.status, stateLabel: stateLabel(key.state),
            reason: reason(key.state, replacedBy: key.replacedBy),
            limit: key.allowance.map { "\($0.formatted()) / month" } ?? key.limit.formatted(),
            spent: key.spent.formattedPrecise(), remaining: row.remaining.formatted(),
            renewsOn: live ? key.allowance.flatMap { _ in key.allowanceMonth?.renewsOn.iso8601 } : nil,
            createdBy: row.createdByLogin ?? "—",
            created: TimeView(key.createdAt),
            expires: key.expiresAt.map { TimeView($0) }, lastSession: row.lastSession.map(session),
            revokePath: live ? "\(path)/keys/\(key.id)/revoke" : nil,
            rotatePath: key.state == .active ? "\(path)/keys/\(key.id)/rotate" : nil, replacementPath: replacement)
    }

    static func stateLabel(_ state: ComputeKeyState) -> String {
        switch state {
        case .provisioning: return "Provisioning"
        case .active: return "Active"
        case .disabled: return "Disabled"
        }
    }

    /// Why a disabled key is disabled, in words.
    static func reason(_ state: ComputeKeyState, replacedBy: KeyID? = nil) -> String? {
        guard case .disabled(let reason, let sync) = state else { return nil }
        let text: String
        switch reason {
        case .revoked: text = "revoked"
        case .balanceExhausted: text = "the project's balance ran out"
        case .expired: text = "expired"
        case .provisioningFailed: text = "the provider could not create it"
        case .providerMissing: text = "it disappeared at the provider"
        case .providerDisabled: text = "it was disabled at the provider"
        case .suspended: text = "the project is suspended"
        case .maintainerLostAccess: text = "the maintainer who created it lost access to the repository"
        case .rotated: text = "rotated" + (replacedBy.map { ", replaced by \($0)" } ?? "")
        }
        return sync == .disablePending ? text + " (the provider will confirm shortly)" : text
    }

    static func session(_ record: AgentSessionRecord) -> String {
        let started = WebFormat.minute(record.startedAt)
        if record.isOpen { return "\(record.surface), running since \(started)" }
        return "\(record.surface), \(started), \(WebFormat.duration(seconds: record.durationSeconds))"
    }

    /// After a claim (`?claimed=1`), a revoke (`?revoked=ck_…`, `&pending=1` when the provider has yet to confirm) or a replayed
    /// create form (`?already=ck_…`, or `?already=1` while that key was still being made).
    func notice(_ request: Request) async throws -> ProjectPage.Notice? {
        let query = request.uri.queryParameters
        let store = dependencies.store
        if query.get("claimed") == "1" {
            return ProjectPage.Notice(
                text: "You are a verified maintainer of this project. Create a compute key to put its balance to work.",
                kind: "ok")
        }
        if let text = query.get("revoked"), let id = KeyID(text), let key = try await store.keys.find(id) {
            let pending = query.get("pending") == "1"
            return ProjectPage.Notice(
                text: "Key “\(key.name)” is revoked: it can no longer spend"
                    + (pending
                        ? ". The provider has not confirmed yet; opub keeps trying, and the unspent reservation "
                            + "returns once it does."
                        : ", and its unspent reservation is available again."),
                kind: "ok")
        }
        if let text = query.get("already") {
            var which = "A key"
            if let id = KeyID(text), let key = try await store.keys.find(id) { which = "Key “\(key.name)” (\(id))" }
            return ProjectPage.Notice(
                text: "\(which) was already created from that form; the page was reloaded or sent twice. Its secret "
                    + "is shown only once and cannot be shown again: if you did not copy it, revoke the key and "
                    + "create another.",
                kind: "warning")
        }
        return nil
    }

    // MARK: Create

    func create(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        guard let identity = context.identity else {
            let name = try WebProject.name(context)
            return PlainResponse.redirect(to: SignInLink.url(returnTo: WebProject.path(name) + "/keys"))
        }
        let name = try WebProject.name(context)
        let fields = try await RequestBodies.fields(
            request, allowed: ["csrf_token", "form_token", "name", "limit", "expires_on", "renews"])
        var form = CreateForm()
        form.name = fields["name"] ?? ""
        form.limit = fields["limit"] ?? ""
        form.expiresOn = fields["expires_on"] ?? ""
        form.monthly = fields["renews"] == "monthly"
        guard let token = fields["form_token"], !token.isEmpty, token.count <= 64 else {
            form.formError = "The form was incomplete; try again."
            return try await render(request, identity, name: name, form: form, notice: nil, status: .badRequest)
        }
        // The rate limit and the maintainer check come before the token is recorded: a caller who may not
        // create keys here writes nothing, not even a used form token.
        let keys = MaintainerKeys(dependencies: dependencies)
        let project: ProjectRecord
        do {
            try await dependencies.rateLimits.check(dependencies.rateLimits.keyCreation, context: context)
            project = try await keys.authorize(name, identity)
        } catch let error as APIError where ![401, 403, 404].contains(error.status.code) {
            form.formError = error.message
            return try await render(request, identity, name: name, form: form, notice: nil, status: error.status)
        }
        let tokenHash = TokenHash.sha256Hex(token)
        if case .replayed(let key) = try await dependencies.store.formTokens.use(tokenHash, purpose: Self.formPurpose) {
            return PlainResponse.redirect(to: WebProject.path(name) + "/keys?already=" + (key?.rawValue ?? "1"))
        }
        let limit: Money
        do {
            limit = try Money.parse(form.limit)
        } catch {
            form.limitError = error.description
            return try await render(
                request, identity, name: name, form: form, notice: nil, status: .unprocessableContent)
        }
        var expiresAt: Timestamp?
        if !form.expiresOn.trimmingSpaces().isEmpty {
            guard let date = CivilDate.parse(form.expiresOn.trimmingSpaces()) else {
                form.expiryError = "Give the expiry as a date, for example 2027-01-31."
                return try await render(
                    request, identity, name: name, form: form, notice: nil, status: .unprocessableContent)
            }
            expiresAt = date.start
        }
        let keyRequest = KeyRequest(
            name: form.name, amount: form.monthly ? .monthly(limit) : .limit(limit), expiresAt: expiresAt)
        let created: CreatedComputeKey
        do {
            created = try await keys.create(keyRequest, in: name, by: identity, admitted: project)
        } catch let error as MaintainerKeysError {
            let answer = error.apiError
            switch error {
            case .request(let refusal) where refusal.field == .name: form.nameError = answer.message
            case .request(let refusal) where refusal.field == .amount: form.limitError = answer.message
            case .request(let refusal) where refusal.field == .expiry: form.expiryError = answer.message
            case .projectNotFound, .keyNotFound: throw error
            default: form.formError = answer.message
            }
            return try await render(request, identity, name: name, form: form, notice: nil, status: answer.status)
        }
        try await dependencies.store.formTokens.attach(created.key.id, to: tokenHash)
        return try KeyCreatedPage(dependencies: dependencies).respond(created, request: request, identity: identity)
    }

    // MARK: Revoke

    struct RevokeModel {
        let fullName: String
        let path: String
        let keyName: String
        let keyID: String
        let reserved: String
        let spent: String
        let csrfToken: String
        let lastSession: String?
    }

    func confirmRevoke(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        try await confirm(request, context, template: "pages/revoke", verb: "Revoke") { $0.reason == nil }
    }

    /// A confirmation page (revoke or rotate) for a key in a state that `allows` it; otherwise back to
    /// the table.
    func confirm(
        _ request: Request, _ context: AppRequestContext, template: String, verb: String,
        allows: (ComputeKeyState) -> Bool
    ) async throws -> Response {
        guard let identity = context.identity else { return SignInLink.redirect(for: request) }
        let name = try WebProject.name(context)
        let keyID = try ProjectPath.key(context)
        let list = try await MaintainerKeys(dependencies: dependencies).list(name, by: identity)
        guard let row = list.keys.first(where: { $0.key.id == keyID }) else {
            throw APIError.notFound("key_not_found", "\(list.project.record.name) has no compute key \(keyID).")
        }
        let path = WebProject.path(list.project.record.name)
        guard allows(row.key.state) else { return PlainResponse.redirect(to: "\(path)/keys") }
        let model = RevokeModel(
            fullName: list.project.record.name.description, path: path, keyName: row.key.name,
            keyID: keyID.rawValue, reserved: row.key.reserved.formatted(), spent: row.key.spent.formattedPrecise(),
            csrfToken: identity.csrfToken, lastSession: row.lastSession.map(Self.session))
        return try pages.render(
            template, title: "\(verb) \(row.key.name)", content: model, request: request, identity: identity,
            section: .me)
    }

    func revoke(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let name = try WebProject.name(context)
        guard let identity = context.identity else {
            return PlainResponse.redirect(to: SignInLink.url(returnTo: WebProject.path(name) + "/keys"))
        }
        _ = try await RequestBodies.fields(request, allowed: ["csrf_token"])
        let keyID = try ProjectPath.key(context)
        let outcome = try await MaintainerKeys(dependencies: dependencies).revoke(keyID, in: name, by: identity)
        var location = WebProject.path(name) + "/keys?revoked=\(keyID)"
        if outcome == .revokedPendingProvider { location += "&pending=1" }
        return PlainResponse.redirect(to: location)
    }

    // MARK: Rotate

    func confirmRotate(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        try await confirm(request, context, template: "pages/rotate", verb: "Rotate") { $0 == .active }
    }

    func rotate(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let name = try WebProject.name(context)
        guard let identity = context.identity else {
            return PlainResponse.redirect(to: SignInLink.url(returnTo: WebProject.path(name) + "/keys"))
        }
        _ = try await RequestBodies.fields(request, allowed: ["csrf_token"])
        let keyID = try ProjectPath.key(context)
        let rotated: CreatedComputeKey
        do {
            try await dependencies.rateLimits.check(dependencies.rateLimits.keyCreation, context: context)
            rotated = try await MaintainerKeys(dependencies: dependencies).rotate(keyID, in: name, by: identity)
        } catch let error as MaintainerKeysError {
            switch error {
            case .rotationRefused, .ledgerRefusedRotation, .providerUnavailable:
                let answer = error.apiError
                let notice = ProjectPage.Notice(text: answer.message, kind: "warning")
                return try await render(
                    request, identity, name: name, form: CreateForm(), notice: notice, status: answer.status)
            default: throw error
            }
        }
        return try KeyCreatedPage(dependencies: dependencies).respond(rotated, request: request, identity: identity)
    }

    // MARK: Alerts

    /// `POST …/keys/alerts`: save or remove the webhook URL, or roll its signing secret.
    func alertWebhook(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let name = try WebProject.name(context)
        guard let identity = context.identity else {
            return PlainResponse.redirect(to: SignInLink.url(returnTo: WebProject.path(name) + "/keys"))
        }
        let fields = try await RequestBodies.fields(request, allowed: ["csrf_token", "action", "url"])
        let alerts = MaintainerAlerts(dependencies: dependencies)
        do {
            switch fields["action"] {
            case "remove": _ = try await alerts.setWebhook(name, url: nil, by: identity)
            case "roll": _ = try await alerts.rollSecret(name, by: identity)
            default: _ = try await alerts.setWebhook(name, url: fields["url"] ?? "", by: identity)
            }
        } catch let error as APIError where [400, 409].contains(error.status.code) {
            return try await render(
                request, identity, name: name, form: CreateForm(),
                notice: ProjectPage.Notice(text: error.message, kind: "warning"), status: error.status)
        }
        return PlainResponse.redirect(to: WebProject.path(name) + "/keys#alerts")
    }

    /// `POST …/keys/{key}/direct-use`: the direct-use spend past which the key revokes itself (empty clears).
    func directUseRevoke(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let name = try WebProject.name(context)
        guard let identity = context.identity else {
            return PlainResponse.redirect(to: SignInLink.url(returnTo: WebProject.path(name) + "/keys"))
        }
        let fields = try await RequestBodies.fields(request, allowed: ["csrf_token", "threshold"])
        let text = (fields["threshold"] ?? "").trimmingSpaces()
        do {
            let threshold = try text.isEmpty ? nil : Money.parse(text)
            _ = try await MaintainerAlerts(dependencies: dependencies).setDirectUseRevoke(
                try ProjectPath.key(context), in: name, threshold: threshold, by: identity)
        } catch let error as APIError where error.status == .badRequest {
            return try await render(
                request, identity, name: name, form: CreateForm(),
                notice: ProjectPage.Notice(text: error.message, kind: "warning"), status: .badRequest)
        } catch let error as MoneyParseError {
            return try await render(
                request, identity, name: name, form: CreateForm(),
                notice: ProjectPage.Notice(text: error.description, kind: "warning"), status: .badRequest)
        }
        return PlainResponse.redirect(to: WebProject.path(name) + "/keys#alerts")
    }
}
