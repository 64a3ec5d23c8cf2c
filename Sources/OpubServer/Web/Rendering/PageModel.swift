/// The value every page template renders: the layout's data and the page's own. Templates read the
/// page's fields inside `{{#content}}…{{/content}}`, the layout's as `site.…` and `title`.
///
/// Mustache looks a missing (or nil) name up in the enclosing values too, so page models never name a
/// field `title`, `site` or `content`.
struct PageModel<Content> {
    let title: String
    let site: SiteModel
    let content: Content
}
