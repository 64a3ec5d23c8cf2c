import Hummingbird
import OpubCore
import OpubStore

/// `GET /github/{owner}/{repo}/badge.svg`: a small badge in the style README badges share — "opub |
/// $123.45 available" for a claimed project, "opub | claim" for one nobody claimed yet (or that has no
/// page yet) — for maintainers to link their project page from their README. Cached for five minutes,
/// then revalidated by ETag (the hash of the picture), so a README shows today's figure without
/// asking opub on every view. The project page shows the Markdown to copy.
struct ProjectBadge {
    let dependencies: AppDependencies

    static let maxAgeSeconds = 300

    func respond(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let name = try WebProject.name(context)
        let record: ProjectRecord?
        switch try await dependencies.store.projects.resolve(name) {
        case .current(let found)?, .renamed(let found)?: record = found
        case nil: record = nil
        }
        let badge = Self.badge(for: record)
        return WebAsset(bytes: Array(badge.svg.utf8), contentType: "image/svg+xml").response(
            to: request, maxAge: Self.maxAgeSeconds)
    }

    /// What the badge says about a project (nil: no page yet).
    static func badge(for record: ProjectRecord?) -> Badge {
        guard let record, record.isClaimed else { return Badge(label: "opub", message: "claim", color: "#007ec6") }
        if record.suspendedAt != nil { return Badge(label: "opub", message: "suspended", color: "#9f9f9f") }
        if record.available.isNegative { return Badge(label: "opub", message: "in debt", color: "#e05d44") }
        let color = record.available >= Money(dollars: 1) ? "#4c1" : "#dfb317"
        return Badge(label: "opub", message: "\(record.available.formatted()) available", color: color)
    }

    /// The Markdown a maintainer pastes into a README: the badge, linking the project page.
    static func markdown(base: String, name: RepositoryName) -> String {
        let page = base + WebProject.path(name)
        return "[![opub](\(page)/badge.svg)](\(page))"
    }

    /// A flat two-part badge: a grey label and a coloured message, text widths estimated from the
    /// characters (11 px Verdana averages about 7 px a character).
    struct Badge: Equatable {
        let label: String
        let message: String
        let color: String

        var svg: String {
            func width(_ text: String) -> Int { text.count * 7 + 10 }
            let (left, right) = (width(label), width(message))
            let total = left + right
            let label = Self.escaped(self.label)
            let message = Self.escaped(self.message)
            return """
                <svg xmlns="http://www.w3.org/2000/svg" width="\(total)" height="20" role="img" \
                aria-label="\(label): \(message)"><title>\(label): \(message)</title>\
                <linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/>\
                <stop offset="1" stop-opacity=".1"/></linearGradient>\
                <clipPath id="r"><rect width="\(total)" height="20" rx="3" fill="#fff"/></clipPath>\
                <g clip-path="url(#r)"><rect width="\(left)" height="20" fill="#555"/>\
                <rect x="\(left)" width="\(right)" height="20" fill="\(color)"/>\
                <rect width="\(total)" height="20" fill="url(#s)"/></g>\
                <g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11">\
                <text x="\(left / 2)" y="14">\(label)</text><text x="\(left + right / 2)" y="14">\(message)</text></g></svg>
                """
        }

        static func escaped(_ text: String) -> String {
            text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
        }
    }
}
