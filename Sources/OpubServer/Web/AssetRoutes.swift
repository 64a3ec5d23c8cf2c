import Hummingbird

/// The stylesheet, the copy-button script and the icon, at fixed paths under `/assets/` (plus
/// `/favicon.ico`, which browsers ask for on their own). Cached for an hour, then revalidated by ETag;
/// pages link the stylesheet with `?v=<etag>` so that a new one is fetched at once after a deploy.
struct AssetRoutes: RouteModule {
    static let files = ["opub.css", "copy.js", "favicon.svg"]

    func register(on routes: RouteRegistrar) {
        for file in Self.files {
            routes.page("/assets/\(file)") { request, _ in try serve(file, request) }
        }
        routes.page("/favicon.ico") { request, _ in try serve("favicon.svg", request) }
    }

    func serve(_ file: String, _ request: Request) throws -> Response {
        guard let asset = WebTemplates.assets[file] else {
            throw APIError.notFound("asset_missing", "The file \(file) is missing from this server's resources.")
        }
        return asset.response(to: request)
    }
}
