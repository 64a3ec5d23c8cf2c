import OpubCore
import SQLKit

/// A user whose GitHub access to a project's repository was verified.
public struct MaintainerRecord: Sendable, Hashable {
    public let projectID: ProjectID
    public let userID: UserID
    /// The permission GitHub reported: `admin` or `maintain`.
    public let permission: String
    /// When GitHub last confirmed it; sensitive actions re-check when this is older than 24 hours.
    public let verifiedAt: Timestamp

    init(row: any SQLRow) throws {
        let project = try row.decode(column: "project_id", as: String.self)
        let user = try row.decode(column: "user_id", as: String.self)
        guard let projectID = ProjectID(project), let userID = UserID(user) else {
            throw StoreError.corrupt("maintainer row \(project)/\(user) has a malformed id")
        }
        self.projectID = projectID
        self.userID = userID
        self.permission = try row.decode(column: "permission", as: String.self)
        self.verifiedAt = Timestamp(microsSinceEpoch: try row.decode(column: "verified_at", as: Int64.self))
    }
}

/// How a name led to a project.
public enum ResolvedProject: Sendable, Hashable {
    /// The name is the project's current name.
    case current(ProjectRecord)
    /// The name is one the project had before its repository was renamed or transferred.
    case renamed(ProjectRecord)

    public var record: ProjectRecord {
        switch self {
        case .current(let record), .renamed(let record): return record
        }
    }
}
