import Hummingbird

/// The public web pages, `/me`, and the forms behind them (`server.md`, "Web pages"). Each page is a small
/// type under `Pages/` that reads the store and renders a template under `Templates/`; this module only
/// maps paths to them. Pages are registered with ``RouteRegistrar/page(_:use:)`` and
/// ``RouteRegistrar/pageForm(_:use:)``: left out of the OpenAPI document, with HTML error pages.
struct WebRoutes: RouteModule {
    let dependencies: AppDependencies

    func register(on routes: RouteRegistrar) {
        routes.page("/") { request, context in try await HomePage(dependencies: dependencies).respond(request, context)
        }
        routes.page("/projects") { request, context in
            try await DirectoryPage(dependencies: dependencies).respond(request, context)
        }
        routes.page("/github/{owner}/{repo}") { request, context in
            try await ProjectPage(dependencies: dependencies).respond(request, context)
        }
        routes.page("/github/{owner}/{repo}/badge.svg") { request, context in
            try await ProjectBadge(dependencies: dependencies).respond(request, context)
        }
        routes.page("/github/{owner}/{repo}/ledger") { request, context in
            try await LedgerPage(dependencies: dependencies).respond(request, context)
        }
        routes.page("/github/{owner}/{repo}/donate") { request, context in
            try await DonatePage(dependencies: dependencies).show(request, context)
        }
        routes.pageForm("/github/{owner}/{repo}/donate") { request, context in
            try await DonatePage(dependencies: dependencies).submit(request, context)
        }
        routes.page("/github/{owner}/{repo}/keys") { request, context in
            try await KeysPage(dependencies: dependencies).show(request, context)
        }
        routes.pageForm("/github/{owner}/{repo}/keys") { request, context in
            try await KeysPage(dependencies: dependencies).create(request, context)
        }
        routes.pageForm("/github/{owner}/{repo}/keys/alerts") { request, context in
            try await KeysPage(dependencies: dependencies).alertWebhook(request, context)
        }
        routes.pageForm("/github/{owner}/{repo}/keys/{key}/direct-use") { request, context in
            try await KeysPage(dependencies: dependencies).directUseRevoke(request, context)
        }
        routes.page("/github/{owner}/{repo}/keys/{key}/rotate") { request, context in
            try await KeysPage(dependencies: dependencies).confirmRotate(request, context)
        }
        routes.pageForm("/github/{owner}/{repo}/keys/{key}/rotate") { request, context in
            try await KeysPage(dependencies: dependencies).rotate(request, context)
        }
        routes.page("/github/{owner}/{repo}/keys/{key}/revoke") { request, context in
            try await KeysPage(dependencies: dependencies).confirmRevoke(request, context)
        }
        routes.pageForm("/github/{owner}/{repo}/keys/{key}/revoke") { request, context in
            try await KeysPage(dependencies: dependencies).revoke(request, context)
        }
        routes.pageForm("/claim") { request, context in
            try await ClaimForm(dependencies: dependencies).submit(request, context)
        }
        routes.page("/me") { request, context in try await MePage(dependencies: dependencies).respond(request, context)
        }
        let docs = DocsPages(dependencies: dependencies)
        routes.page("/docs") { request, context in try docs.index(request, context) }
        routes.page("/docs/{page}") { request, context in try docs.guide(request, context) }
        routes.page("/glossary") { request, context in try docs.glossary(request, context) }
        routes.page("/glossary/{term}") { request, context in try docs.term(request, context) }
    }
}
