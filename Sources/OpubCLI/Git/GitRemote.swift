import OpubCore

/// Reads a GitHub `owner/repo` out of a remote URL: `https://github.com/o/r(.git)`,
/// `git@github.com:o/r.git`, `ssh://git@github.com/o/r.git`, `git://github.com/o/r`.
public enum GitRemote {
    public static func repository(fromRemote url: String) -> RepositoryName? {
        var text = url.trimmingCharacters(in: .whitespacesAndNewlines)
        if text.hasSuffix("/") { text.removeLast() }
        if text.hasSuffix(".git") { text.removeLast(4) }
        let path: Substring
        if let scheme = text.range(of: "://") {
            let rest = text[scheme.upperBound...]
            guard let slash = rest.firstIndex(of: "/") else { return nil }
            path = rest[rest.index(after: slash)...]
        } else if let colon = text.firstIndex(of: ":"), text[..<colon].contains("@") || !text[..<colon].contains("/") {
            path = text[text.index(after: colon)...]
        } else {
            return nil
        }
        let parts = path.split(separator: "/")
        guard parts.count >= 2 else { return nil }
        return try? RepositoryName(owner: String(parts[parts.count - 2]), repo: String(parts[parts.count - 1]))
    }
}
