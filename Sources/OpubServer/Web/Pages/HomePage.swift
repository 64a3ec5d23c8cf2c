import Hummingbird
import OpubCore
import OpubStore

/// `GET /`: what opub is, what it has moved (donated, spent, linked coverage over 30 days), and the
/// projects with the largest balances.
struct HomePage {
    let dependencies: AppDependencies
    static let featuredCount = 6

    struct Model {
        let donated: String
        let spent: String
        let projects: Int
        let claimedProjects: Int
        let coverage: CoverageView?
        let featured: [ProjectCardView]
        let hasFeatured: Bool
        let signedIn: Bool
    }

    func respond(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let store = dependencies.store
        let totals = try await store.projects.siteTotals()
        let spend = try await store.ledger.spendOfAllProjects(
            fromDay: ProjectSummary.coverageWindowStart(now: dependencies.clock.now()))
        let featured = try await store.projects.list(query: nil, sort: .balance, cursor: nil, limit: Self.featuredCount)
        let model = Model(
            donated: (totals.donated + totals.granted).formatted(), spent: totals.spent.formatted(),
            projects: totals.projects, claimedProjects: totals.claimedProjects,
            coverage: CoverageView(linked: spend.linked, total: spend.total),
            featured: featured.items.map(ProjectCardView.init), hasFeatured: !featured.items.isEmpty,
            signedIn: context.identity != nil)
        return try PageResponder(configuration: dependencies.configuration).render(
            "pages/home", title: "Donated compute for open source", content: model, request: request,
            identity: context.identity, section: .home)
    }
}
