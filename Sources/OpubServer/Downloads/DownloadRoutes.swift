import Foundation
import HTTPTypes
import Hummingbird
import OpubSurfaces

/// The CLI, handed out by the server that printed the install line:
/// - `GET /install.sh`: the installer, with this server's URL, version and platforms written into it;
/// - `GET /downloads/opub`: what is distributed (`{version, platforms, install_command}`), for
///   `opub doctor`'s version check;
/// - `GET /downloads/opub/{version}/{platform}/{file}`: `opub`, `opub-mcp` (streamed) or `SHA256SUMS`.
struct DownloadRoutes: RouteModule {
    let dependencies: AppDependencies

    struct Listing: Encodable {
        let version: String
        let platforms: [String]
        let installCommand: String

        enum CodingKeys: String, CodingKey {
            case version, platforms
            case installCommand = "install_command"
        }
    }

    var distribution: CLIDistribution { dependencies.cliDistribution }

    func register(on routes: RouteRegistrar) {
        routes.get("/install.sh") { _, _ in
            guard let script = OperationsRoutes.installScript else {
                throw APIError.notFound("installer_missing", "This build of opub-server does not carry install.sh.")
            }
            var response = PlainResponse.text(
                Self.served(script, server: dependencies.urls.base, distribution: distribution),
                contentType: "text/x-shellscript; charset=utf-8")
            response.headers[.cacheControl] = "no-cache"
            return response
        }
        routes.get("/downloads/opub") { _, _ in
            JSON.response(
                Listing(
                    version: distribution.version, platforms: distribution.platforms,
                    installCommand: dependencies.installCommand))
        }
        routes.get("/downloads/opub/{version}/{platform}/{file}") { _, context in
            try await download(context)
        }
    }

    func download(_ context: AppRequestContext) async throws -> Response {
        let version = context.parameters.get("version") ?? ""
        let platform = context.parameters.get("platform") ?? ""
        let file = context.parameters.get("file") ?? ""
        guard version == distribution.version else {
            throw APIError.notFound(
                "unknown_version",
                "This server distributes opub \(distribution.version) only, not '\(version)'; install it with: "
                    + dependencies.installCommand,
                details: ["version": .string(distribution.version)])
        }
        let platforms = distribution.platforms
        guard platforms.contains(platform) else {
            let available = platforms.isEmpty ? "none" : platforms.joined(separator: ", ")
            throw APIError.notFound(
                "unknown_platform",
                "This server has no prebuilt opub for '\(platform)' (it has: \(available)); build from source "
                    + "with install.sh --from-source.",
                details: ["platforms": .array(platforms.map { .string($0) })])
        }
        var headers = HTTPFields()
        headers[.cacheControl] = "no-cache"
        if file == "SHA256SUMS", let sums = try distribution.checksums(platform: platform) {
            var response = PlainResponse.text(sums, contentType: "text/plain; charset=utf-8")
            response.headers[.cacheControl] = "no-cache"
            return response
        }
        guard let path = distribution.binary(file, platform: platform) else {
            throw APIError.notFound(
                "unknown_file",
                "A distribution holds \(CLIDistribution.programs.joined(separator: ", ")) and SHA256SUMS, not '\(file)'."
            )
        }
        headers[.contentType] = "application/octet-stream"
        headers[.contentDisposition] = "attachment; filename=\"\(file)\""
        if let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue {
            headers[.contentLength] = String(size)
        }
        // 1 MiB chunks: a debug build streams the default 128 KiB chunks several times slower.
        let body = try await FileIO().loadFile(path: path, context: context, chunkLength: 1 << 20)
        return Response(status: .ok, headers: headers, body: body)
    }

    /// The installer as this server serves it: its first assignment lines carry the server's URL, the
    /// distributed version and platforms, so that a piped `sh` knows where to download from.
    static func served(_ script: String, server: String, distribution: CLIDistribution) -> String {
        script
            .replacingOccurrences(
                of: "\nOPUB_SERVER_URL=\"\"\n", with: "\nOPUB_SERVER_URL=\"\(shellQuoted(server))\"\n"
            )
            .replacingOccurrences(
                of: "\nOPUB_DIST_VERSION=\"\"\n", with: "\nOPUB_DIST_VERSION=\"\(shellQuoted(distribution.version))\"\n"
            )
            .replacingOccurrences(
                of: "\nOPUB_DIST_PLATFORMS=\"\"\n",
                with: "\nOPUB_DIST_PLATFORMS=\"\(shellQuoted(distribution.platforms.joined(separator: " ")))\"\n")
    }

    /// Text safe inside a double-quoted shell word: URLs and platform names never need quoting, so
    /// anything that would (quotes, `$`, backticks, backslashes, newlines) is dropped.
    static func shellQuoted(_ text: String) -> String {
        String(text.filter { !"\"$`\\\n\r".contains($0) })
    }
}
