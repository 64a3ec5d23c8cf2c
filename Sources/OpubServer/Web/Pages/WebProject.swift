import Hummingbird
import OpubCore
import OpubStore

/// `/github/{owner}/{repo}/…`: the project a page path names.
enum WebProject {
    /// The page of a repository name.
    static func path(_ name: RepositoryName) -> String { "/github/\(name.owner)/\(name.repo)" }

    /// The name in the path; a malformed one is a 404 (no such page), not a 400.
    static func name(_ context: AppRequestContext) throws -> RepositoryName {
        let owner = context.parameters.get("owner") ?? ""
        let repo = context.parameters.get("repo") ?? ""
        guard let name = try? RepositoryName(owner: owner, repo: repo) else {
            throw APIError.notFound(
                "project_not_found", "'\(owner)/\(repo)' is not a GitHub repository name, so it has no page here.")
        }
        return name
    }

    enum Lookup {
        case found(ProjectRecord)
        /// The name is a former name: answer this permanent redirect.
        case moved(Response)
        case missing(RepositoryName)
    }

    static func lookup(_ request: Request, _ context: AppRequestContext, store: Store) async throws -> Lookup {
        let name = try name(context)
        switch try await store.projects.resolve(name) {
        case .current(let record)?:
            return .found(record)
        case .renamed(let record)?:
            // Same page under the new name: /github/{old}/{name}/ledger → /github/{new}/{name}/ledger.
            let rest = request.uri.path.split(separator: "/", omittingEmptySubsequences: false).dropFirst(4)
            var location = ([path(record.name)] + rest.map(String.init)).joined(separator: "/")
            if let query = request.uri.query, !query.isEmpty { location += "?" + query }
            return .moved(PlainResponse.redirect(to: location, status: .movedPermanently))
        case nil:
            return .missing(name)
        }
    }

    /// The project, a redirect for a former name, or 404 with a sentence that says how a page is made.
    static func require(_ request: Request, _ context: AppRequestContext, store: Store) async throws -> Either {
        switch try await lookup(request, context, store: store) {
        case .found(let record): return .project(record)
        case .moved(let response): return .response(response)
        case .missing(let name): throw notFound(name)
        }
    }

    enum Either {
        case project(ProjectRecord)
        case response(Response)
    }

    static func notFound(_ name: RepositoryName) -> APIError {
        APIError.notFound(
            "project_not_found",
            "No project page exists for \(name) yet. A first donation creates it, and so does a maintainer's claim.",
            details: ["project": .string(name.description)])
    }
}
