import Foundation
import OpubServer
import OpubStore
import OpubTestSupport
import Testing

@Suite("OpenAPI document")
struct OpenAPICoverageTests {
    @Test("every API route registered in sandbox or production mode is in /api/openapi.yaml, and no page is")
    func coverage() async throws {
        try await withTestStore(.sqlite) { store, _ in
            var registered: Set<String> = []
            var pages: Set<String> = []
            var apiPaths: Set<String> = []
            let sandbox = try await sandboxConfiguration()
            let production = try await ConfigurationLoader.make(environment: ConfigurationTests.production).load()
            var yaml = ""
            for configuration in [sandbox, production] {
                let (routes, text) = try await withAppWorld(configuration, store: store) { app in
                    (app.routes.routes, try await Browser.anonymous.get(app, "/api/openapi.yaml").text)
                }
                for route in routes where route.kind == .api {
                    registered.insert("\(route.method.rawValue) \(route.path)")
                    apiPaths.insert(route.path)
                }
                for route in routes where route.kind == .page {
                    // A page at a path the API also serves is part of that resource (its Allow header
                    // lists it), so it is described too; pages at paths of their own are not API.
                    if apiPaths.contains(route.path) {
                        registered.insert("\(route.method.rawValue) \(route.path)")
                    } else {
                        pages.insert("\(route.method.rawValue) \(route.path)")
                    }
                }
                yaml = text
            }
            let documentedRoutes = try OpenAPISchema(yaml: yaml).operations
            #expect(registered.count >= 20)
            // The pages exist, and none of those at paths of their own is described as API.
            #expect(pages.contains("GET /github/{owner}/{repo}"))
            #expect(
                pages.isDisjoint(with: documentedRoutes),
                "pages in the API document: \(pages.intersection(documentedRoutes))")
            #expect(
                registered.subtracting(documentedRoutes).isEmpty,
                "undocumented: \(registered.subtracting(documentedRoutes).sorted())")
            #expect(
                documentedRoutes.subtracting(registered).isEmpty,
                "documented but not served: \(documentedRoutes.subtracting(registered).sorted())")
        }
    }
}
