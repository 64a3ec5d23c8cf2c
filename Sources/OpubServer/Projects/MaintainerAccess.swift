import Logging
import OpubCore
import OpubStore
import ServiceLifecycle

/// What happens when GitHub says a maintainer no longer maintains a project — they lost admin or
/// maintain permission, or the repository went private, was archived, or is another repository now:
/// the maintainer row goes, and the keys that maintainer created are revoked (reason
/// `maintainer_lost_access`), which releases their unspent reservations at once. Keys other
/// maintainers created stay.
struct MaintainerAccess: Sendable {
    let dependencies: AppDependencies

    /// GitHub's answer about `repository` for a maintainer of `project`: the permission that still
    /// makes them one, or nil when they lost it.
    static func permission(_ repository: GitHubRepository, for project: ProjectRecord) -> String? {
        guard !repository.isPrivate, !repository.isArchived,
            repository.id == project.githubRepoID || project.githubRepoID == nil
        else { return nil }
        return repository.maintainerPermission
    }

    /// Removes the maintainer and revokes the active keys they created in the project.
    func lost(_ project: ProjectRecord, user: UserID) async throws {
        let store = dependencies.store
        try await store.projects.removeMaintainer(of: project.id, user: user)
        let keys = try await store.keys.active(in: project.id, createdBy: user)
        guard !keys.isEmpty else { return }
        guard let provider = dependencies.provider else { return }
        let revoker = KeyRevoker(store: store, provider: provider, logger: dependencies.logger)
        for key in keys {
            _ = try await revoker.revoke(key, reason: .maintainerLostAccess)
            let name = try await store.keys.find(key)?.name ?? key.rawValue
            try await store.alerts.record([
                KeyAlertDraft(
                    kind: .lostAccess, keyID: key, projectID: project.id,
                    message: "Key “\(name)” was revoked: the maintainer who created it no longer has admin or "
                        + "maintain permission on \(project.name).", dedupeKey: "lost:\(key.rawValue)")
            ])
        }
        dependencies.logger.notice(
            "maintainer lost access; their keys are revoked",
            metadata: ["project": "\(project.name)", "user": "\(user)", "keys": "\(keys.count)"])
    }
}

/// Re-verifies, in the background, the maintainers who have active keys: at most once a day each,
/// whenever a GitHub token of theirs is at hand (a browser session used within the last 7 days; in
/// sandbox sign-in no token is needed). A maintainer GitHub no longer confirms loses their keys
/// (``MaintainerAccess``); one confirmed gets a fresh `verified_at`; when GitHub cannot tell (the
/// token expired, GitHub is down) nothing changes and the next pass tries again.
public struct MaintainerReverifier: Service {
    let dependencies: AppDependencies
    var interval: Duration = .seconds(3600)
    /// Maintainers looked at per pass (GitHub's rate limit is per token, so this is generous).
    var perPass = 200

    public init(dependencies: AppDependencies) { self.dependencies = dependencies }

    public func run() async throws {
        await repeatUntilShutdown(every: interval) {
            do {
                _ = try await pass()
            } catch {
                dependencies.logger.warning("maintainer re-verification failed", metadata: ["error": "\(error)"])
            }
        }
    }

    /// What one pass did.
    public struct Outcome: Sendable, Equatable {
        public var confirmed = 0
        public var lost = 0
        /// No token at hand, or GitHub could not tell.
        public var skipped = 0

        public init(confirmed: Int = 0, lost: Int = 0, skipped: Int = 0) {
            self.confirmed = confirmed
            self.lost = lost
            self.skipped = skipped
        }
    }

    /// One pass over the maintainers whose last check is more than a day old.
    public func pass() async throws -> Outcome {
        let store = dependencies.store
        let now = dependencies.clock.now()
        let due = try await store.projects.maintainersWithActiveKeys(
            verifiedBefore: now.adding(seconds: -MaintainerVerifier.defaultMaximumAgeSeconds), limit: perPass)
        var outcome = Outcome()
        for (project, maintainer) in due {
            let token: String?
            if let session = try await store.sessions.newestWithGitHubToken(
                of: maintainer.userID, seenSince: now.adding(seconds: -SessionService.idleTimeoutSeconds))
            {
                token = try? dependencies.sessions.githubToken(of: session)
            } else {
                token = nil
            }
            if dependencies.configuration.github.mode == .real, token == nil {
                outcome.skipped += 1
                continue
            }
            let permission: String?
            do {
                let repository = try await dependencies.github.repository(project.name, token: token)
                permission = MaintainerAccess.permission(repository, for: project)
            } catch GitHubError.notFound {
                permission = nil
            } catch {
                outcome.skipped += 1
                continue
            }
            if let permission {
                _ = try await store.projects.recordMaintainer(
                    project: project.id, user: maintainer.userID, permission: permission)
                outcome.confirmed += 1
            } else {
                try await MaintainerAccess(dependencies: dependencies).lost(project, user: maintainer.userID)
                outcome.lost += 1
            }
        }
        return outcome
    }
}
