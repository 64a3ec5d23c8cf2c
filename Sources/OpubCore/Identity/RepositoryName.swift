/// A GitHub repository name, `owner/repo`, validated with GitHub's rules: owners are 1–39 letters,
/// digits or single hyphens (not at either end); repository names are 1–100 of letters, digits,
/// `.`, `-` and `_`, and never `.` or `..`. Comparison ignores case, as GitHub does.
public struct RepositoryName: Sendable, Hashable, CustomStringConvertible, Codable {
    public let owner: String
    public let repo: String

    public init(owner: String, repo: String) throws(RepositoryNameError) {
        guard Self.isValidOwner(owner) else { throw .badOwner(owner) }
        guard Self.isValidRepo(repo) else { throw .badRepo(repo) }
        self.owner = owner
        self.repo = repo
    }

    /// Parses `owner/repo`.
    public init(parsing text: String) throws(RepositoryNameError) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2 else { throw .notOwnerSlashRepo(text) }
        try self.init(owner: String(parts[0]), repo: String(parts[1]))
    }

    public var description: String { "\(owner)/\(repo)" }

    /// The case-folded form used for lookups and uniqueness.
    public var lookupKey: String { description.lowercased() }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.lookupKey == rhs.lookupKey }
    public func hash(into hasher: inout Hasher) { hasher.combine(lookupKey) }

    static func isValidOwner(_ owner: String) -> Bool {
        guard (1...39).contains(owner.count), owner.first != "-", owner.last != "-",
            !owner.contains("--")
        else { return false }
        return owner.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
    }

    static func isValidRepo(_ repo: String) -> Bool {
        guard (1...100).contains(repo.count), repo != ".", repo != ".." else { return false }
        return repo.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }
    }
}

public enum RepositoryNameError: Error, Equatable, Sendable, CustomStringConvertible {
    case notOwnerSlashRepo(String)
    case badOwner(String)
    case badRepo(String)

    public var description: String {
        switch self {
        case .notOwnerSlashRepo(let text):
            return "'\(text)' is not a repository; write it as owner/repo, for example apple/swift."
        case .badOwner(let owner):
            return "'\(owner)' is not a valid GitHub owner (1–39 letters, digits or single hyphens)."
        case .badRepo(let repo):
            return "'\(repo)' is not a valid GitHub repository name (letters, digits, '.', '-', '_')."
        }
    }
}
