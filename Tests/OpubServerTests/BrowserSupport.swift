import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import OpubCore
import OpubServer
import OpubStore

/// What a browser does on the web pages: `GET` with `Accept: text/html`, and form posts that carry the
/// session's CSRF token as the `csrf_token` field (not the header the JSON clients use).
extension Browser {
    func pageHeaders() -> HTTPFields {
        var headers = HTTPFields()
        if let cookie { headers[.cookie] = "opub_session=\(cookie)" }
        headers[.accept] = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"
        return headers
    }

    func page(_ app: AppWorld, _ path: String) async throws -> TestResponse {
        try await app.client.execute(uri: path, method: .get, headers: pageHeaders())
    }

    /// Posts a form. `csrf: .session` adds this session's token as `csrf_token`; `.wrong` a forged one.
    func submit(
        _ app: AppWorld, _ path: String, _ fields: [(String, String)], csrf: CSRF = .session
    ) async throws -> TestResponse {
        var fields = fields
        switch csrf {
        case .session: if let csrf = self.csrf { fields.append(("csrf_token", csrf)) }
        case .missing: break
        case .wrong: fields.append(("csrf_token", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"))
        }
        var headers = pageHeaders()
        headers[.contentType] = "application/x-www-form-urlencoded"
        return try await app.client.execute(
            uri: path, method: .post, headers: headers, body: ByteBuffer(string: formEncoded(fields)))
    }
}

func formEncoded(_ fields: [(String, String)]) -> String {
    var allowed = CharacterSet.alphanumerics
    allowed.insert(charactersIn: "-._~")
    return fields.map {
        "\($0.0.addingPercentEncoding(withAllowedCharacters: allowed)!)="
            + "\($0.1.addingPercentEncoding(withAllowedCharacters: allowed)!)"
    }.joined(separator: "&")
}

/// A completed sandbox donation through the JSON API and the sandbox checkout.
@discardableResult
func sandboxDonation(
    _ app: AppWorld, _ donor: Browser, to project: String, json: String
) async throws -> String {
    let created = try await donor.post(app, "/api/v1/projects/\(project)/donations", json: json)
    guard created.status == .created, let url = try created.json()["checkout_url"] as? String,
        let session = url.components(separatedBy: "/sandbox/checkout/").last
    else { throw TestFailure("donation to \(project) answered \(created.status): \(created.text)") }
    let paid = try await donor.post(app, "/sandbox/checkout/\(session)/complete")
    guard paid.status == .ok else { throw TestFailure("checkout answered \(paid.status): \(paid.text)") }
    return try paid.json()["donation_id"] as? String ?? ""
}

/// Checks that hold for every page: HTML with the page headers, no inline script or style (the CSP
/// forbids them), and no raw text of `hostile` (what the test injected) anywhere in the markup.
func expectWellFormedPage(_ response: TestResponse, hostile: [String] = []) -> [String] {
    var problems: [String] = []
    let html = response.text
    if response.headers[.contentType] != "text/html; charset=utf-8" {
        problems.append("content type \(response.headers[.contentType] ?? "none")")
    }
    guard let csp = response.headers[HTTPField.Name("Content-Security-Policy")!],
        csp.contains("script-src 'self'"), csp.contains("style-src 'self'"), !csp.contains("unsafe-inline")
    else {
        problems.append("missing or weak CSP")
        return problems
    }
    if html.range(of: #"<script(?![^>]*\bsrc=)"#, options: .regularExpression) != nil {
        problems.append("an inline <script>")
    }
    if html.range(of: #"\sstyle="#, options: .regularExpression) != nil || html.contains("<style") {
        problems.append("an inline style")
    }
    if html.range(of: #"<[a-zA-Z][^>]*\son[a-z]+="#, options: .regularExpression) != nil {
        problems.append("an inline handler")
    }
    if !html.hasPrefix("<!doctype html>") || !html.contains("<html lang=\"en\">") || !html.contains("<main") {
        problems.append("not a complete page")
    }
    for text in hostile where html.contains(text) { problems.append("unescaped \(text)") }
    return problems
}
