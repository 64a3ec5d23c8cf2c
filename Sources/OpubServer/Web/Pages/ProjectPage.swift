import Hummingbird
import OpubCore
import OpubStore
import OpubSurfaces

/// `GET /github/{owner}/{repo}`: the public project page. Everything on it is public by the README's
/// rule (balance, reserved, available, donations with public attribution, spend with model, tokens, cost
/// and key name, linked-session counts per surface); nothing about payers or hosts.
struct ProjectPage {
    let dependencies: AppDependencies

    /// How far back the chart, the coverage and the spend rows look.
    static let periodDays = 30

    struct Model {
        let fullName: String
        let path: String
        let githubURL: String
        let claimed: Bool
        let suspended: Bool
        let inDebt: Bool
        let balance: String
        let reserved: String
        /// Donations inside the hold; nil when nothing is held.
        let held: String?
        let holdText: String
        let available: String
        let donated: String
        let granted: String?
        let spent: String
        let activeKeys: Int
        let activeSessions: Int
        let coverage: CoverageView?
        let chart: SpendChart
        let donations: [PublicDonationView]
        let hasDonations: Bool
        let moreDonations: Bool
        let spendRows: [SpendRow]
        let hasSpendRows: Bool
        /// Shown while some key's detail is still to come from the provider (a day late).
        let detailNote: String?
        /// The latest requests from provider traces, seconds old.
        let requestRows: [RequestRow]
        let hasRequestRows: Bool
        let surfaces: [SurfaceSessions]
        let hasSurfaces: Bool
        let notice: Notice?
        let claim: ClaimCallToAction?
        let viewerMaintains: Bool
        let apiPath: String
        /// The README badge (``ProjectBadge``) and the Markdown that shows it.
        let badgePath: String
        let badgeMarkdown: String
    }

    /// What a key spent on a model on a day (the provider's usage detail), with the Linked badge.
    struct SpendRow {
        let date: String
        let model: String
        let keyName: String
        let tokensIn: String
        let tokensOut: String
        let requests: String
        let cost: String
        let linked: Bool
    }

    /// One request from the provider's traces; `pending` until the reconciler's spend covers it.
    struct RequestRow {
        let time: String
        let model: String
        let keyName: String
        let tokensIn: String
        let tokensOut: String
        let cost: String
        let session: String?
        let pending: Bool
    }

    /// Linked sessions of one agent over the period.
    struct SurfaceSessions {
        let surface: String
        let sessions: Int
        let duration: String
        let running: Int
    }

    /// A message at the top of the page (after a donation's checkout).
    struct Notice {
        let text: String
        let kind: String
    }

    /// Shown while nobody has claimed the project: how a maintainer claims it.
    struct ClaimCallToAction {
        /// The claim form's token; nil when signed out (the page links to sign-in instead).
        let csrfToken: String?
        let owner: String
        let repo: String
    }

    func respond(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let project: ProjectRecord
        switch try await WebProject.lookup(request, context, store: dependencies.store) {
        case .found(let record): project = record
        case .moved(let response): return response
        case .missing(let name): return try missing(name, request, context)
        }
        let store = dependencies.store
        guard let summary = try await store.projects.summary(project.id) else {
            throw StoreError.corrupt("project \(project.id) vanished")
        }
        let since = dependencies.clock.now().adding(seconds: -ProjectSummary.coverageWindowDays * 86_400)
        let days = try await store.ledger.dailySpend(of: project.id, days: Self.periodDays)
        let donations = try await store.donations.completed(in: project.id, cursor: nil, limit: 10)
        let usage = try await store.usage.page(of: project.id, cursor: nil, limit: 10)
        let surfaces = try await store.agentSessions.surfaces(of: project.id, since: since)
        let requests = try await store.traces.page(of: project.id, cursor: nil, limit: 10)
        var viewerMaintains = false
        if let identity = context.identity {
            viewerMaintains = try await store.projects.maintainer(of: project.id, user: identity.user.id) != nil
        }
        let name = project.name
        let model = Model(
            fullName: name.description, path: WebProject.path(name),
            githubURL: "\(dependencies.configuration.github.webURL)/\(name.owner)/\(name.repo)",
            claimed: project.isClaimed, suspended: project.suspendedAt != nil, inDebt: project.isInDebt,
            balance: summary.balance.formatted(), reserved: summary.reserved.formatted(),
            held: summary.held.isZero ? nil : summary.held.formatted(),
            holdText: dependencies.configuration.donationHold.text,
            available: summary.available.formatted(), donated: summary.donated.formatted(),
            granted: summary.granted.isZero ? nil : summary.granted.formatted(), spent: summary.spent.formatted(),
            activeKeys: summary.activeKeys, activeSessions: summary.activeSessions,
            // The same 30-day figures as `linked_coverage_30d` in the JSON API.
            coverage: CoverageView(linked: summary.linkedSpent30d, total: summary.spent30d),
            chart: SpendChart(days: days),
            donations: donations.items.map(PublicDonationView.init), hasDonations: !donations.items.isEmpty,
            moreDonations: donations.nextCursor != nil, spendRows: usage.items.map(Self.spendRow),
            hasSpendRows: !usage.items.isEmpty,
            detailNote: try await store.keys.detailPendingCount(of: project.id) > 0 ? SpendPageJSON.note : nil,
            requestRows: requests.items.map(Self.requestRow), hasRequestRows: !requests.items.isEmpty,
            surfaces: surfaces.map(Self.surfaceSessions),
            hasSurfaces: !surfaces.isEmpty,
            notice: try await notice(request, context, project: project),
            claim: project.isClaimed
                ? nil : ClaimCallToAction(csrfToken: context.identity?.csrfToken, owner: name.owner, repo: name.repo),
            viewerMaintains: viewerMaintains, apiPath: "/api/v1/projects/\(name.owner)/\(name.repo)",
            badgePath: WebProject.path(name) + "/badge.svg",
            badgeMarkdown: ProjectBadge.markdown(base: dependencies.urls.base, name: name))
        return try PageResponder(configuration: dependencies.configuration).render(
            "pages/project", title: name.description, content: model, request: request, identity: context.identity,
            section: .projects)
    }

    static func spendRow(_ record: UsageRecord) -> SpendRow {
        let reading = record.reading
        return SpendRow(
            date: reading.date, model: reading.model, keyName: record.keyName,
            tokensIn: WebFormat.count(reading.promptTokens),
            tokensOut: WebFormat.count(reading.completionTokens + reading.reasoningTokens),
            requests: WebFormat.count(reading.requests), cost: reading.cost.formattedPrecise(), linked: record.isLinked)
    }

    static func requestRow(_ record: TraceRecord) -> RequestRow {
        let usage = record.usage
        return RequestRow(
            time: WebFormat.time(usage.occurredAt), model: usage.model, keyName: record.keyName,
            tokensIn: WebFormat.count(usage.promptTokens),
            tokensOut: WebFormat.count(usage.completionTokens + usage.reasoningTokens),
            cost: usage.cost.formattedPrecise(), session: record.linkedSession?.rawValue, pending: !record.settled)
    }

    static func surfaceSessions(_ activity: SurfaceActivity) -> SurfaceSessions {
        SurfaceSessions(
            surface: Surface(rawValue: activity.surface)?.displayName ?? activity.surface, sessions: activity.sessions,
            duration: WebFormat.duration(seconds: activity.seconds), running: activity.running)
    }

    /// After Stripe (or the sandbox checkout) sends the donor back with `?donation=don_…`: what became
    /// of their donation. Only the donor sees it; anyone else gets no notice.
    func notice(_ request: Request, _ context: AppRequestContext, project: ProjectRecord) async throws -> Notice? {
        guard let identity = context.identity, let text = request.uri.queryParameters.get("donation"),
            let id = DonationID(text), let donation = try await dependencies.store.donations.find(id),
            donation.userID == identity.user.id, donation.projectID == project.id
        else { return nil }
        switch donation.status {
        case .completed:
            return Notice(
                text: "Thank you! Your donation of \(donation.credited.formatted()) is in \(project.name)'s balance.",
                kind: "ok")
        case .pending:
            return Notice(
                text: "Your donation of \(donation.amount.formatted()) is waiting for the payment provider to "
                    + "confirm it. Reload this page in a moment.",
                kind: "warning")
        case .failed:
            return Notice(text: "That checkout did not complete, so nothing was charged.", kind: "error")
        }
    }

    struct MissingModel {
        let fullName: String
        let owner: String
        let repo: String
        let donatePath: String
        let githubURL: String
        let csrfToken: String?
    }

    /// A repository without a page yet: 404, with how to create one (donate, or claim as a maintainer).
    func missing(_ name: RepositoryName, _ request: Request, _ context: AppRequestContext) throws -> Response {
        let model = MissingModel(
            fullName: name.description, owner: name.owner, repo: name.repo,
            donatePath: WebProject.path(name) + "/donate",
            githubURL: "\(dependencies.configuration.github.webURL)/\(name.owner)/\(name.repo)",
            csrfToken: context.identity?.csrfToken)
        return try PageResponder(configuration: dependencies.configuration).render(
            "pages/project-missing", title: name.description, content: model, request: request,
            identity: context.identity, section: .projects, status: .notFound)
    }
}

extension DonationHold {
    /// The hold as a reader says it: "3 days", "72 hours" stays "3 days", "90 minutes".
    var text: String {
        func plural(_ n: Int64, _ unit: String) -> String { "\(n) \(unit)\(n == 1 ? "" : "s")" }
        guard holdsAnything else { return "a short while" }
        if seconds % 86_400 == 0 { return plural(seconds / 86_400, "day") }
        if seconds % 3_600 == 0 { return plural(seconds / 3_600, "hour") }
        if seconds % 60 == 0 { return plural(seconds / 60, "minute") }
        return plural(seconds, "second")
    }
}
