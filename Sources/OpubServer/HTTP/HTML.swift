import HTTPTypes
import Hummingbird

/// The few server-rendered pages of the front door (sign-in and sandbox checkout). Every piece of
/// text from outside is escaped; the full site's templates live with the web pages.
enum HTML {
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    /// A complete page with the sandbox banner when `sandbox` is true. `body` must already be escaped.
    static func page(title: String, body: String, sandbox: Bool, status: HTTPResponse.Status = .ok) -> Response {
        let banner =
            sandbox
            ? #"<p role="status" class="sandbox">Sandbox mode: sign-in, payments and the provider are "#
                + "simulated. No real money moves.</p>"
            : ""
        let html = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(escape(title)) · opub</title>
            <style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;
            line-height:1.5}
            .sandbox{background:#fff3cd;border:2px solid #8a6d00;padding:.5rem;color:#3d3000}
            label{display:block;margin:.5rem 0 .25rem}input,button{font:inherit;padding:.4rem}
            :focus{outline:3px solid #1a5fb4;outline-offset:2px}</style></head>
            <body>\(banner)<main><h1>\(escape(title))</h1>\(body)</main></body></html>
            """
        var response = PlainResponse.text(html, contentType: "text/html; charset=utf-8", status: status)
        response.headers[.cacheControl] = "no-store"
        response.headers[HTTPField.Name("Content-Security-Policy")!] =
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'"
        return response
    }
}
