import Hummingbird
import OpubCore
import OpubStore

/// `POST /claim` with `repository=owner/repo`: register or claim a project from a page (the project
/// page's call to action, the missing-project page, `/me`). The same ``ProjectRegistration`` as
/// `POST /api/v1/projects`: GitHub must confirm admin or maintain permission (in sandbox every claimant
/// is an admin). Success goes to the project's keys page; a refusal is an error page with GitHub's reason.
struct ClaimForm {
    let dependencies: AppDependencies

    func submit(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        guard let identity = context.identity else {
            return PlainResponse.redirect(to: SignInLink.url(returnTo: "/me"))
        }
        try await dependencies.rateLimits.check(dependencies.rateLimits.projectRegistration, context: context)
        let fields = try await RequestBodies.fields(request, allowed: ["csrf_token", "repository"])
        var text = (fields["repository"] ?? "").trimmingSpaces()
        for prefix in ["https://github.com/", "http://github.com/", "github.com/"] where text.hasPrefix(prefix) {
            text = String(text.dropFirst(prefix.count))
        }
        while text.hasSuffix("/") { text.removeLast() }
        if text.hasSuffix(".git") { text.removeLast(4) }
        let name: RepositoryName
        do {
            name = try RepositoryName(parsing: text)
        } catch {
            throw APIError.badRequest("invalid_repository_name", error.description)
        }
        let outcome = try await ProjectRegistration(dependencies: dependencies).register(name, by: identity)
        return PlainResponse.redirect(to: Self.destination(outcome.summary.record.name))
    }

    /// Where a successful claim leads: the project's keys page, where the maintainer continues.
    static func destination(_ name: RepositoryName) -> String { WebProject.path(name) + "/keys?claimed=1" }
}
