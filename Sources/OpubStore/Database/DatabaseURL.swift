import Foundation

/// Where the data lives: `sqlite://./opub.sqlite` (relative), `sqlite:///var/lib/opub.sqlite`
/// (absolute), `sqlite::memory:` (tests), or `postgres://user:password@host:port/database?sslmode=…`.
public enum DatabaseURL: Sendable, Hashable, CustomStringConvertible {
    case sqlite(path: String)
    case sqliteMemory
    case postgres(PostgresLocation)

    public struct PostgresLocation: Sendable, Hashable {
        public var host: String
        public var port: Int
        public var username: String
        public var password: String?
        public var database: String
        /// `disable`, `prefer` (default) or `require`.
        public var sslMode: String
    }

    /// The default: a SQLite file in the working directory.
    public static let `default` = DatabaseURL.sqlite(path: "./opub.sqlite")

    public init(parsing text: String) throws(DatabaseURLError) {
        if text == "sqlite::memory:" {
            self = .sqliteMemory
            return
        }
        if text.hasPrefix("sqlite://") {
            let path = String(text.dropFirst("sqlite://".count))
            guard !path.isEmpty else { throw .malformed(text, "it names no file") }
            self = .sqlite(path: path)
            return
        }
        guard text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") else {
            throw .malformed(text, "it must start with sqlite:// or postgres://")
        }
        guard let components = URLComponents(string: text), let host = components.host, !host.isEmpty else {
            throw .malformed(text, "it has no host")
        }
        let database = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        guard !database.isEmpty else { throw .malformed(text, "it names no database") }
        guard let user = components.user, !user.isEmpty else { throw .malformed(text, "it names no user") }
        let sslMode = components.queryItems?.first(where: { $0.name == "sslmode" })?.value ?? "prefer"
        guard ["disable", "prefer", "require"].contains(sslMode) else {
            throw .malformed(text, "sslmode must be disable, prefer or require")
        }
        self = .postgres(
            PostgresLocation(
                host: host, port: components.port ?? 5432, username: user.removingPercentEncoding ?? user,
                password: components.password.map { $0.removingPercentEncoding ?? $0 }, database: database,
                sslMode: sslMode))
    }

    /// A form safe to log: never the password.
    public var description: String {
        switch self {
        case .sqlite(let path): return "sqlite://\(path)"
        case .sqliteMemory: return "sqlite::memory:"
        case .postgres(let location):
            return "postgres://\(location.username)@\(location.host):\(location.port)/\(location.database)"
        }
    }
}

public struct DatabaseURLError: Error, Equatable, Sendable, CustomStringConvertible {
    public let text: String
    public let reason: String

    static func malformed(_ text: String, _ reason: String) -> Self {
        DatabaseURLError(text: text, reason: reason)
    }

    public var description: String {
        let shown = text.replacingOccurrences(of: #":[^:@/]*@"#, with: ":***@", options: .regularExpression)
        return "DATABASE_URL '\(shown)' is malformed: \(reason)."
    }
}
