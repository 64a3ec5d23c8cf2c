import Hummingbird
import OpubCore
import OpubStore

/// Projects: the public directory and pages, registration/claim, and "my projects".
struct ProjectRoutes: RouteModule {
    let dependencies: AppDependencies

    func register(on routes: RouteRegistrar) {
        routes.get("/api/v1/projects") { request, _ in try await list(request) }
        routes.post("/api/v1/projects") { request, context in try await claim(request, context) }
        routes.get("/api/v1/projects/{owner}/{repo}") { request, context in
            let resolved = try await ProjectPath.resolve(context, store: dependencies.store)
            if let redirect = ProjectPath.redirectIfRenamed(resolved, request: request) { return redirect }
            guard let summary = try await dependencies.store.projects.summary(resolved.record.id) else {
                throw StoreError.corrupt("project \(resolved.record.id) vanished")
            }
            return JSON.response(ProjectJSON(summary))
        }
        routes.get("/api/v1/me/projects") { _, context in
            let identity = try context.requireIdentity()
            var items: [MaintainedProjectJSON] = []
            for (project, maintainer) in try await dependencies.store.projects.maintained(by: identity.user.id) {
                guard let summary = try await dependencies.store.projects.summary(project.id) else { continue }
                items.append(
                    MaintainedProjectJSON(
                        project: ProjectJSON(summary), permission: maintainer.permission,
                        verifiedAt: maintainer.verifiedAt.iso8601))
            }
            return JSON.response(PageJSON(items: items, nextCursor: nil))
        }
    }

    func list(_ request: Request) async throws -> Response {
        let query = request.uri.queryParameters
        let sortText = query.get("sort") ?? "recent"
        guard let sort = ProjectSort(rawValue: sortText) else {
            throw APIError.badRequest(
                "invalid_parameter",
                "sort must be one of \(ProjectSort.allCases.map(\.rawValue).joined(separator: ", ")).",
                details: ["parameter": .string("sort")])
        }
        let text = query.get("q")?.trimmingSpaces()
        if let text, text.count > 100 {
            throw APIError.badRequest(
                "invalid_parameter", "q must be at most 100 characters.", details: ["parameter": .string("q")])
        }
        let limit = try QueryParameters.limit(query.get("limit"))
        let cursor = try QueryParameters.cursor(query.get("cursor")) { text throws(StoreError) in
            try ProjectListCursor(decoding: text, sort: sort)
        }
        let page = try await dependencies.store.projects.list(query: text, sort: sort, cursor: cursor, limit: limit)
        return JSON.response(PageJSON(items: page.items.map(ProjectJSON.init), nextCursor: page.nextCursor))
    }

    func claim(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        try await dependencies.rateLimits.check(dependencies.rateLimits.projectRegistration, context: context)
        let body = try await RequestBodies.jsonObject(request, allowed: ["owner", "repo"])
        let owner = try body.requiredString("owner", example: "apple")
        let repo = try body.requiredString("repo", example: "swift")
        let name: RepositoryName
        do {
            name = try RepositoryName(owner: owner, repo: repo)
        } catch {
            throw APIError.badRequest("invalid_repository_name", error.description)
        }
        let outcome = try await ProjectRegistration(dependencies: dependencies).register(name, by: identity)
        return JSON.response(
            MaintainedProjectJSON(
                project: ProjectJSON(outcome.summary), permission: outcome.maintainer.permission,
                verifiedAt: outcome.maintainer.verifiedAt.iso8601),
            status: outcome.created ? .created : .ok)
    }
}

/// Shared query-parameter rules.
enum QueryParameters {
    static func limit(_ text: String?) throws -> Int {
        guard let text else { return 50 }
        guard let value = Int(text), (1...100).contains(value) else {
            throw APIError.badRequest(
                "invalid_parameter", "limit must be a whole number from 1 to 100.",
                details: ["parameter": .string("limit")])
        }
        return value
    }

    /// Decodes an optional `cursor` parameter; a cursor this server did not issue is a 400.
    static func cursor<C>(_ text: String?, _ decode: (String) throws(StoreError) -> C) throws -> C? {
        guard let text, !text.isEmpty else { return nil }
        do {
            return try decode(text)
        } catch {
            throw invalidCursor(error)
        }
    }

    static func invalidCursor(_ error: StoreError) -> APIError {
        .badRequest("invalid_cursor", error.description, details: ["parameter": .string("cursor")])
    }
}
