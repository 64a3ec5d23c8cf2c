import Foundation
import OpubServer
import OpubStore
import OpubTestSupport
import Testing

@Suite("OpenAPI document")
struct OpenAPICoverageTests {
    /// `path → methods` read from the served YAML (paths at indentation 2, methods at 4).
    func documented(_ yaml: String) -> [String: Set<String>] {
        var result: [String: Set<String>] = [:]
        var inPaths = false
        var current: String?
        for line in yaml.split(separator: "\n", omittingEmptySubsequences: false) {
            if line == "paths:" {
                inPaths = true
                continue
            }
            guard inPaths else { continue }
            if !line.hasPrefix(" "), !line.isEmpty { break }
            if line.hasPrefix("  /"), line.hasSuffix(":"), !line.hasPrefix("   ") {
                current = String(line.dropFirst(2).dropLast())
                result[current!] = []
            } else if let current, line.hasPrefix("    "), !line.hasPrefix("     "), line.hasSuffix(":") {
                let key = line.trimmingCharacters(in: .whitespaces).dropLast()
                if ["get", "post", "put", "patch", "delete"].contains(String(key)) {
                    result[current, default: []].insert(key.uppercased())
                }
            }
        }
        return result
    }

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
                let (routes, text) = try await withApp(configuration, store: store) { app in
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
            let paths = documented(yaml)
            let documentedRoutes = Set(paths.flatMap { path, methods in methods.map { "\($0) \(path)" } })
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
