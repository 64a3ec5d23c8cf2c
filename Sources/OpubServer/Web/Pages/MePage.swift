import Hummingbird
import OpubCore
import OpubStore

/// `GET /me`: the signed-in user's projects (with claim status and their permission) and donations (any
/// status, with the attribution they chose). Signed out, the browser is sent to sign in and back.
struct MePage {
    let dependencies: AppDependencies

    struct Model {
        let login: String
        let csrfToken: String
        let projects: [MaintainedView]
        let hasProjects: Bool
        let donations: [MyDonationView]
        let hasDonations: Bool
        let moreDonations: Bool
        let alerts: [AlertView]
        let hasAlerts: Bool
    }

    /// An alert on a key of a project the user maintains.
    struct AlertView {
        let time: String
        let kind: String
        let message: String
        let keysPath: String
    }

    struct MaintainedView {
        let project: ProjectCardView
        let permission: String
        let verified: TimeView
        let keysPath: String
    }

    struct MyDonationView {
        let projectName: String
        let projectPath: String
        let amount: String
        let status: String
        let shownAs: String
        let message: String?
        let created: TimeView
        /// The checkout page of a donation still waiting to be paid.
        let checkoutURL: String?
        let refunded: String?
    }

    func respond(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        guard let identity = context.identity else { return SignInLink.redirect(for: request) }
        let store = dependencies.store
        var projects: [MaintainedView] = []
        for (project, maintainer) in try await store.projects.maintained(by: identity.user.id) {
            guard let summary = try await store.projects.summary(project.id) else { continue }
            projects.append(
                MaintainedView(
                    project: ProjectCardView(summary), permission: maintainer.permission,
                    verified: TimeView(maintainer.verifiedAt), keysPath: WebProject.path(project.name) + "/keys"))
        }
        let page = try await store.donations.made(by: identity.user.id, cursor: nil, limit: 50)
        var names: [ProjectID: RepositoryName] = [:]
        var donations: [MyDonationView] = []
        for record in page.items {
            if names[record.projectID] == nil {
                names[record.projectID] = try await store.projects.find(record.projectID)?.name
            }
            let name = names[record.projectID]
            donations.append(
                MyDonationView(
                    projectName: name?.description ?? "(unknown project)",
                    projectPath: name.map(WebProject.path) ?? "/projects",
                    amount: (record.status == .completed ? record.credited : record.amount).formatted(),
                    status: record.status.rawValue, shownAs: record.displayName ?? "Anonymous", message: record.message,
                    created: TimeView(record.createdAt),
                    checkoutURL: record.status == .pending ? record.checkoutURL : nil,
                    refunded: record.refunded.isPositive ? record.refunded.formatted() : nil))
        }
        var alerts: [AlertView] = []
        for alert in try await dependencies.store.alerts.recent(forMaintainer: identity.user.id) {
            let name = try await dependencies.store.projects.find(alert.projectID)?.name
            alerts.append(
                AlertView(
                    time: WebFormat.minute(alert.createdAt),
                    kind: alert.kind.rawValue.replacingOccurrences(of: "_", with: " "),
                    message: alert.message, keysPath: name.map { WebProject.path($0) + "/keys#alerts" } ?? "/me"))
        }
        let model = Model(
            login: identity.user.login, csrfToken: identity.csrfToken, projects: projects,
            hasProjects: !projects.isEmpty, donations: donations, hasDonations: !donations.isEmpty,
            moreDonations: page.nextCursor != nil, alerts: alerts, hasAlerts: !alerts.isEmpty)
        return try PageResponder(configuration: dependencies.configuration).render(
            "pages/me", title: "Your projects and donations", content: model, request: request, identity: identity,
            section: .me)
    }
}
