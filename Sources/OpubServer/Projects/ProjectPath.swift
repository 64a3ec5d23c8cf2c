import Hummingbird
import OpubCore
import OpubStore

/// Reads `{owner}/{repo}` path parameters and finds the project they name.
enum ProjectPath {
    static func name(_ context: AppRequestContext) throws -> RepositoryName {
        let owner = context.parameters.get("owner") ?? ""
        let repo = context.parameters.get("repo") ?? ""
        do {
            return try RepositoryName(owner: owner, repo: repo)
        } catch {
            throw APIError.badRequest(
                "invalid_repository_name", error.description, details: ["owner": .string(owner), "repo": .string(repo)])
        }
    }

    /// The `{key}` parameter: a compute key id (`ck_…`), or 400 `invalid_key_id`. The one reader of key ids
    /// in paths, for the JSON API and the pages alike.
    static func key(_ context: AppRequestContext) throws -> KeyID {
        let text = context.parameters.get("key") ?? ""
        guard let key = KeyID(text) else {
            throw APIError.badRequest(
                "invalid_key_id", "'\(text)' is not a compute key id; they look like ck_….",
                details: ["key": .string(text)])
        }
        return key
    }

    /// The project named by the path; 404 `project_not_found` when there is none.
    static func resolve(_ context: AppRequestContext, store: Store) async throws -> ResolvedProject {
        let name = try name(context)
        guard let resolved = try await store.projects.resolve(name) else {
            throw APIError.notFound(
                "project_not_found", "No project page exists for \(name) yet; donating or claiming creates it.",
                details: ["project": .string(name.description)])
        }
        return resolved
    }

    /// For reads: a renamed project's old name answers 301 to the same path under the new name.
    static func redirectIfRenamed(_ resolved: ResolvedProject, request: Request) -> Response? {
        guard case .renamed(let record) = resolved else { return nil }
        let segments = request.uri.path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard let index = segments.firstIndex(of: "projects"), index + 2 < segments.count else { return nil }
        var moved = segments
        moved[index + 1] = record.name.owner
        moved[index + 2] = record.name.repo
        var location = moved.joined(separator: "/")
        if let query = request.uri.query { location += "?" + query }
        return PlainResponse.redirect(to: location, status: .movedPermanently)
    }
}
