import Logging
import OpenRouter
import OpubCore
import OpubStore
import OpubSurfaces

/// A key as its project's maintainers see it in the keys table.
public struct MaintainerKeyRow: Sendable {
    public let key: ComputeKeyRecord
    /// The GitHub login of the maintainer who created it.
    public let createdByLogin: String?
    /// Its most recently started linked session.
    public let lastSession: AgentSessionRecord?

    public var remaining: Money { key.remaining }
}

/// A project's keys for its maintainers.
public struct MaintainerKeyList: Sendable {
    public let project: ProjectSummary
    public let keys: [MaintainerKeyRow]
}

/// A key just created: the only value that ever holds its secret together with what the creation
/// answer and page show beside it.
public struct CreatedComputeKey: Sendable, CustomStringConvertible {
    public let key: ComputeKeyRecord
    public let project: RepositoryName
    /// The provider secret; returned once, stored nowhere.
    public let secret: String
    /// Setup commands, environment per surface and raw headers, from the CLI's launch table.
    public let configs: KeyCreationConfigs

    public var description: String { "CreatedComputeKey(\(key.id), \(KeyFingerprint.label(ofSecret: secret)))" }
}

/// What maintainers do with keys, for the JSON API and the web pages alike: list, create and revoke,
/// each after checking that the signed-in user is a verified maintainer of the project (re-verified
/// with GitHub when the last check is older than 24 hours). Every refusal is an ``APIError`` with a
/// message a person can act on.
public struct MaintainerKeys: Sendable {
    let dependencies: AppDependencies

    public init(dependencies: AppDependencies) {
        self.dependencies = dependencies
    }

    var store: Store { dependencies.store }

    /// The project named `name` and the caller's verified maintainer row.
    func authorize(_ name: RepositoryName, _ identity: SignedIn) async throws -> ProjectRecord {
        guard let resolved = try await store.projects.resolve(name) else {
            throw APIError.notFound(
                "project_not_found", "No project page exists for \(name) yet; claim it first.",
                details: ["project": .string(name.description)])
        }
        _ = try await MaintainerVerifier(dependencies: dependencies).requireVerifiedMaintainer(
            identity, of: resolved.record)
        return resolved.record
    }

    public func list(_ name: RepositoryName, by identity: SignedIn) async throws -> MaintainerKeyList {
        let project = try await authorize(name, identity)
        guard let summary = try await store.projects.summary(project.id) else {
            throw StoreError.corrupt("project \(project.id) vanished")
        }
        let keys = try await store.keys.all(in: project.id)
        let sessions = try await store.agentSessions.latestByKey(in: project.id)
        var logins: [UserID: String] = [:]
        for user in Set(keys.compactMap(\.createdBy)) {
            logins[user] = try await store.users.find(user)?.login
        }
        return MaintainerKeyList(
            project: summary,
            keys: keys.map { key in
                MaintainerKeyRow(
                    key: key, createdByLogin: key.createdBy.flatMap { logins[$0] }, lastSession: sessions[key.id])
            })
    }

    /// What key creation checks before anything is written: the caller's creation rate, then that they
    /// are a verified maintainer of the project. The page runs it before it records its form token.
    func admit(_ name: RepositoryName, by identity: SignedIn, context: AppRequestContext) async throws -> ProjectRecord
    {
        try await dependencies.rateLimits.check(dependencies.rateLimits.keyCreation, context: context)
        return try await authorize(name, identity)
    }

    /// Creates a key (`money.md`, create 1–6) and returns its secret once. `admitted` is the project
    /// when ``admit(_:by:context:)`` already ran for this request.
    public func create(
        _ name: RepositoryName, by identity: SignedIn, context: AppRequestContext, keyName: String, limit: Money,
        expiresAt: Timestamp?, monthly: Bool = false, admitted: ProjectRecord? = nil
    ) async throws -> CreatedComputeKey {
        let project: ProjectRecord
        if let admitted {
            project = admitted
        } else {
            project = try await admit(name, by: identity, context: context)
        }
        guard let provider = dependencies.provider else {
            throw APIError(
                .serviceUnavailable, code: "provider_not_configured",
                message: "This server has no provider configured, so it cannot mint keys; ask its operator.")
        }
        let provisioned: ProvisionedKey
        do {
            provisioned = try await provisioner(provider).create(
                in: project.id, name: keyName, limit: limit, expiresAt: expiresAt, createdBy: identity.user.id,
                monthly: monthly)
        } catch let error as KeyRequestError {
            throw Self.apiError(error)
        } catch LedgerStoreError.rule(.insufficientAvailable(let available, _)) {
            throw Self.apiError(.limitAboveAvailable(available: available))
        } catch let error as KeyProvisioningError {
            throw APIError(.badGateway, code: "provider_unavailable", message: error.description)
        }
        return created(provisioned, in: project)
    }

    /// Rotates a key of the project (`money.md`, "Rotate"): a new key with the same name and expiry takes
    /// over its reservation, the old one is revoked as `rotated`, and the new secret is returned once.
    /// Only a verified maintainer may (never a link token: a leaked secret must not mint its successor).
    public func rotate(
        _ keyID: KeyID, in name: RepositoryName, by identity: SignedIn, context: AppRequestContext
    ) async throws -> CreatedComputeKey {
        let project = try await admit(name, by: identity, context: context)
        guard let key = try await store.keys.find(keyID), key.projectID == project.id else {
            throw APIError.notFound(
                "key_not_found", "\(project.name) has no compute key \(keyID).", details: ["key": .string("\(keyID)")])
        }
        guard let provider = dependencies.provider else {
            throw APIError(
                .serviceUnavailable, code: "provider_not_configured",
                message: "This server has no provider configured, so it cannot rotate keys; ask its operator.")
        }
        let provisioned: ProvisionedKey
        do {
            provisioned = try await KeyRotator(provisioner: try await provisioner(provider)).rotate(
                key.id, by: identity.user.id)
        } catch let refusal as KeyRotation.Refusal {
            throw APIError.conflict(refusal.code, refusal.description, details: ["key": .string("\(keyID)")])
        } catch let error as KeyProvisioningError {
            if case .rotationUncertain = error {
                throw APIError(.badGateway, code: "provider_unavailable", message: error.description)
            }
            throw APIError(
                .badGateway, code: "provider_unavailable",
                message: error.description.replacingOccurrences(of: "create the key", with: "rotate the key")
                    + " The old key keeps working.")
        } catch LedgerStoreError.rule(let rule) {
            throw APIError.conflict("rotation_refused", "The ledger refused the rotation: \(rule).")
        }
        dependencies.cliCache.forget(key: key)
        return created(provisioned, in: project)
    }

    /// The provisioner with this server's minimum limit and guardrail, for creation and rotation.
    func provisioner(_ provider: any ProviderKeys) async throws -> KeyProvisioner {
        let settings = KeyProvisioner.Settings(
            minimumLimit: dependencies.configuration.provider.keyMinimumLimit,
            guardrailID: try await guardrail(provider))
        return KeyProvisioner(store: store, provider: provider, settings: settings, logger: dependencies.logger)
    }

    /// What the creation (or rotation) answer and page show beside the new secret.
    func created(_ provisioned: ProvisionedKey, in project: ProjectRecord) -> CreatedComputeKey {
        let configs = KeyCreationConfigs(
            repository: project.name, keyID: provisioned.key.id, providerBaseURL: dependencies.providerURL,
            recommendedModels: dependencies.recommendedModels.current, secret: provisioned.secret,
            server: dependencies.urls.base)
        return CreatedComputeKey(
            key: provisioned.key, project: project.name, secret: provisioned.secret, configs: configs)
    }

    /// Revokes a key of the project (`money.md`, revoke 1–3).
    public func revoke(_ keyID: KeyID, in name: RepositoryName, by identity: SignedIn) async throws -> RevokeOutcome {
        let project = try await authorize(name, identity)
        guard let key = try await store.keys.find(keyID), key.projectID == project.id else {
            throw APIError.notFound(
                "key_not_found", "\(project.name) has no compute key \(keyID).", details: ["key": .string("\(keyID)")])
        }
        let outcome = try await Self.revoke(key, dependencies: dependencies)
        dependencies.cliCache.forget(key: key)
        return outcome
    }

    /// Revokes `key`, already authorised: by a maintainer or by its own link token.
    static func revoke(_ key: ComputeKeyRecord, dependencies: AppDependencies) async throws -> RevokeOutcome {
        guard let provider = dependencies.provider else {
            throw APIError(
                .serviceUnavailable, code: "provider_not_configured",
                message: "This server has no provider configured; ask its operator to revoke the key.")
        }
        do {
            return try await KeyRevoker(store: dependencies.store, provider: provider, logger: dependencies.logger)
                .revoke(key.id)
        } catch StoreError.conflict(let message) {
            throw APIError.conflict("key_provisioning", message, details: ["key": .string("\(key.id)")])
        }
    }

    /// The operator's guardrail for `OPUB_ALLOWED_PROVIDERS`, created at the provider the first time a
    /// key needs it and recorded for every replica; nil when no allowlist is configured.
    func guardrail(_ provider: any ProviderKeys) async throws -> String? {
        let allowed = dependencies.configuration.provider.allowedProviders
        guard !allowed.isEmpty else { return nil }
        let allowlist = allowed.sorted().joined(separator: ",")
        if let known = try await store.guardrails.guardrail(for: allowlist) { return known }
        let created: Guardrail
        do {
            created = try await provider.createGuardrail(
                CreateGuardrailRequest(
                    name: "opub allowed providers", description: "Providers this opub server allows: \(allowlist)",
                    allowedProviders: allowed.sorted()))
        } catch {
            throw APIError(
                .badGateway, code: "provider_unavailable",
                message:
                    "The provider could not set up the allowed-providers guardrail; nothing was charged. Try again.")
        }
        let winner = try await store.guardrails.record(created.id, for: allowlist)
        if winner != created.id {
            dependencies.logger.notice(
                "another replica created the guardrail first; using it", metadata: ["guardrail": "\(winner)"])
        }
        return winner
    }

    static func apiError(_ error: KeyRequestError) -> APIError {
        let details: [String: JSONValue] = ["reason": .string(error.code)]
        switch error {
        case .nameInvalid, .limitNotWholeCents, .expiryInPast, .expiryTooFar:
            return .badRequest(error.code, error.description, details: details)
        case .limitBelowMinimum, .limitAboveAvailable, .projectInDebt:
            return .unprocessable(error.code, error.description, details: details)
        case .projectNotClaimed, .projectSuspended:
            return .conflict(error.code, error.description, details: details)
        }
    }
}

extension AppDependencies {
    /// The OpenRouter base URL keys of this server work against: the in-process simulator in sandbox,
    /// otherwise `OPENROUTER_BASE_URL` (the real one or an operator's gateway).
    public var providerURL: String { sandboxProvider?.baseURL ?? configuration.provider.baseURL }
}
