import Hummingbird
import OpubSurfaces

/// `/docs`, `/docs/{page}`, `/glossary` and `/glossary/{term}`: the guides (donors, how donated compute is
/// used, compute keys, the CLI reference, verifying the ledger) and the glossary. The guides are templates
/// under `Templates/docs/`; the parts that code defines (surfaces, install line, limits) come from code,
/// so the CLI reference cannot drift from the launch table.
struct DocsPages {
    let dependencies: AppDependencies

    struct Guide: Sendable {
        let slug: String
        let name: String
        let summary: String
    }

    static let guides = [
        Guide(slug: "donors", name: "Donor guide", summary: "How to donate, what you see, and what stays private."),
        Guide(
            slug: "compute", name: "How donated compute is used",
            summary: "From your donation to a maintainer's coding agent, and what the public can check."),
        Guide(
            slug: "keys", name: "Compute keys",
            summary: "For maintainers: claiming a project, creating, using and revoking keys."),
        Guide(slug: "cli", name: "CLI reference", summary: "The opub command line: every command and agent."),
        Guide(slug: "ledger", name: "How to verify the ledger", summary: "Re-check a project's hash chain yourself."),
    ]

    struct Model {
        let guides: [GuideLink]
        let guideName: String
        let installLine: String
        let serverURL: String
        /// ` --server <this server>` for commands printed here, unless this server is the CLI's default.
        let serverFlag: String
        let surfaces: [SurfaceDoc]
        let keyMinimum: String
        let donationMinimum: String
        let donationMaximum: String
        let glossaryLink: String
    }

    struct GuideLink {
        let slug: String
        let name: String
        let summary: String
        let current: Bool
    }

    struct SurfaceDoc {
        let name: String
        let displayName: String
        let program: String
        let installHint: String
        let sendsHeaders: Bool
    }

    struct GlossaryModel {
        let entries: [TermView]
    }

    struct TermView {
        let slug: String
        let term: String
        let definition: String
        let related: [TermLink]
        let hasRelated: Bool
    }

    struct TermLink {
        let slug: String
        let term: String
    }

    func index(_ request: Request, _ context: AppRequestContext) throws -> Response {
        try render("docs/index", name: "Documentation", current: nil, request, context)
    }

    func guide(_ request: Request, _ context: AppRequestContext) throws -> Response {
        let slug = context.parameters.get("page") ?? ""
        guard let guide = Self.guides.first(where: { $0.slug == slug }) else {
            throw APIError.notFound(
                "no_such_page", "There is no guide called '\(slug)'; the guides are listed at /docs.")
        }
        return try render("docs/\(guide.slug)", name: guide.name, current: guide.slug, request, context)
    }

    func render(
        _ template: String, name: String, current: String?, _ request: Request, _ context: AppRequestContext
    ) throws -> Response {
        let configuration = dependencies.configuration
        let base = dependencies.urls.base
        let model = Model(
            guides: Self.guides.map {
                GuideLink(slug: $0.slug, name: $0.name, summary: $0.summary, current: $0.slug == current)
            }, guideName: name, installLine: dependencies.installCommand, serverURL: base,
            serverFlag: LaunchTable.serverFlag(base),
            surfaces: Surface.allCases.map {
                SurfaceDoc(
                    name: $0.rawValue, displayName: $0.displayName, program: $0.program, installHint: $0.installHint,
                    sendsHeaders: $0.sendsHeaders)
            }, keyMinimum: configuration.provider.keyMinimumLimit.formatted(),
            donationMinimum: configuration.donationLimits.minimum.formatted(),
            donationMaximum: configuration.donationLimits.maximum.formatted(), glossaryLink: "/glossary")
        return try PageResponder(configuration: configuration).render(
            template, title: name, content: model, request: request, identity: context.identity, section: .docs)
    }

    func glossary(_ request: Request, _ context: AppRequestContext) throws -> Response {
        let model = GlossaryModel(entries: Glossary.entries.map(Self.view))
        return try PageResponder(configuration: dependencies.configuration).render(
            "pages/glossary", title: "Glossary", content: model, request: request, identity: context.identity,
            section: .glossary)
    }

    func term(_ request: Request, _ context: AppRequestContext) throws -> Response {
        let slug = context.parameters.get("term") ?? ""
        guard let entry = Glossary.entry(slug) else {
            throw APIError.notFound(
                "no_such_term", "The glossary has no term '\(slug)'; every term is listed at /glossary.")
        }
        return try PageResponder(configuration: dependencies.configuration).render(
            "pages/glossary-term", title: entry.term, content: Self.view(entry), request: request,
            identity: context.identity, section: .glossary)
    }

    static func view(_ entry: GlossaryEntry) -> TermView {
        let related = entry.related.compactMap(Glossary.entry).map { TermLink(slug: $0.slug, term: $0.term) }
        return TermView(
            slug: entry.slug, term: entry.term, definition: entry.definition, related: related,
            hasRelated: !related.isEmpty)
    }
}
