import Foundation
import Mustache

/// The Mustache templates of the web pages and the files under `/assets/`, read once from the
/// package's resources (`Sources/OpubServer/Web/Templates` and `Web/Assets`, copied into the
/// `opub_OpubServer.resources` bundle that SwiftPM places beside the executable; `swift run` and the
/// tests find it in `.build`).
///
/// They are constants of the program, like its code: loaded on first use and never changed, so one
/// shared value is safe and nothing needs injecting. A template that fails to parse is a bug caught by
/// every page test; at run time it makes that page a 500, never a crash.
enum WebTemplates {
    /// The template library, each template named by its path under `Templates/` without `.mustache`
    /// (`layout`, `pages/project`, `docs/donors`).
    static let library: Result<MustacheLibrary, WebResourceError> = loadLibrary()

    /// The static assets by file name (`opub.css`, `copy.js`).
    static let assets: [String: WebAsset] = loadAssets()

    static var resourceDirectory: URL? { Bundle.module.resourceURL }

    static func loadLibrary() -> Result<MustacheLibrary, WebResourceError> {
        guard let root = resourceDirectory?.appendingPathComponent("Templates") else {
            return .failure(WebResourceError("the resource bundle has no Templates folder"))
        }
        var library = MustacheLibrary()
        let files = FileManager.default.enumerator(atPath: root.path)?.compactMap { $0 as? String } ?? []
        for file in files.sorted() where file.hasSuffix(".mustache") {
            let name = String(file.dropLast(".mustache".count))
            guard let data = FileManager.default.contents(atPath: root.appendingPathComponent(file).path) else {
                return .failure(WebResourceError("cannot read template \(file)"))
            }
            do {
                try library.register(String(decoding: data, as: UTF8.self), named: name)
            } catch {
                return .failure(WebResourceError("template \(file) does not parse: \(error)"))
            }
        }
        guard library.getTemplate(named: "layout") != nil else {
            return .failure(WebResourceError("no layout template under \(root.path)"))
        }
        return .success(library)
    }

    static func loadAssets() -> [String: WebAsset] {
        guard let root = resourceDirectory?.appendingPathComponent("Assets") else { return [:] }
        var assets: [String: WebAsset] = [:]
        let files = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        for file in files {
            guard let data = FileManager.default.contents(atPath: root.appendingPathComponent(file).path),
                let type = WebAsset.contentType(of: file)
            else { continue }
            assets[file] = WebAsset(bytes: Array(data), contentType: type)
        }
        return assets
    }

    /// Renders `template` with `model`; a missing template is an error, not an empty page.
    static func render(_ model: Any, template: String) throws(WebResourceError) -> String {
        let library = try library.get()
        guard let html = library.render(model, withTemplate: template) else {
            throw WebResourceError("no template named \(template)")
        }
        return html
    }
}

/// Why the web resources could not be used (a packaging or template bug, logged as a 500).
struct WebResourceError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
