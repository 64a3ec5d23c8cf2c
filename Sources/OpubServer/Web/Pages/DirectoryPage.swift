import Hummingbird
import OpubCore
import OpubStore

/// `GET /projects?q=&sort=&cursor=`: the project directory, searchable by name and sorted by balance,
/// donations, spend or recency (a plain `GET` form, so it works without JavaScript and can be bookmarked).
struct DirectoryPage {
    let dependencies: AppDependencies
    static let pageSize = 24

    struct Model {
        let query: String
        let sorts: [SortOption]
        let projectsFound: [ProjectCardView]
        let hasProjects: Bool
        let nextPage: String?
        let firstPage: String?
        let resultNote: String
    }

    struct SortOption {
        let value: String
        let label: String
        let selected: Bool
    }

    func respond(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let parameters = request.uri.queryParameters
        let query = (parameters.get("q") ?? "").trimmingSpaces()
        guard query.count <= 100 else {
            throw APIError.badRequest("invalid_parameter", "Search for at most 100 characters.")
        }
        let sortText = parameters.get("sort").flatMap { $0.isEmpty ? nil : $0 } ?? ProjectSort.balance.rawValue
        guard let sort = ProjectSort(rawValue: sortText) else {
            throw APIError.badRequest(
                "invalid_parameter",
                "sort must be one of \(ProjectSort.allCases.map(\.rawValue).joined(separator: ", ")).")
        }
        let cursor = try QueryParameters.cursor(parameters.get("cursor")) { text throws(StoreError) in
            try ProjectListCursor(decoding: text, sort: sort)
        }
        let page = try await dependencies.store.projects.list(
            query: query.isEmpty ? nil : query, sort: sort, cursor: cursor, limit: Self.pageSize)
        func link(cursor: String?) -> String {
            var pairs: [(String, String)] = []
            if !query.isEmpty { pairs.append(("q", query)) }
            pairs.append(("sort", sort.rawValue))
            if let cursor { pairs.append(("cursor", cursor)) }
            return "/projects?" + FormEncoding.encode(pairs)
        }
        let note: String
        if page.items.isEmpty {
            note = query.isEmpty ? "No projects yet." : "No project's name contains “\(query)”."
        } else {
            note =
                query.isEmpty
                ? "All projects, by \(Self.label(sort).lowercased())." : "Projects whose name contains “\(query)”."
        }
        let model = Model(
            query: query,
            sorts: ProjectSort.allCases.map {
                SortOption(value: $0.rawValue, label: Self.label($0), selected: $0 == sort)
            },
            projectsFound: page.items.map(ProjectCardView.init), hasProjects: !page.items.isEmpty,
            nextPage: page.nextCursor.map { link(cursor: $0) }, firstPage: cursor == nil ? nil : link(cursor: nil),
            resultNote: note)
        return try PageResponder(configuration: dependencies.configuration).render(
            "pages/projects", title: "Projects", content: model, request: request, identity: context.identity,
            section: .projects)
    }

    static func label(_ sort: ProjectSort) -> String {
        switch sort {
        case .balance: return "Largest balance"
        case .donated: return "Most donated"
        case .spent: return "Most spent"
        case .recent: return "Newest"
        }
    }
}
