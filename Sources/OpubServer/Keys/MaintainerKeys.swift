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

/// What maintainers do with keys, for the JSON API and the web pages alike: list, create, rotate and
/// revoke, each after checking that the signed-in user is a verified maintainer of the project
/// (re-verified with GitHub when the last check is older than 24 hours).
///
/// The service speaks the domain: it takes a ``KeyRequest`` the edge has already read, and refuses with a
/// ``MaintainerKeysError`` (a request refusal carries the ``KeyRequestField`` it concerns). The JSON
/// routes turn that into an API error and the keys page into a message beside the form field; the caller's
/// creation rate is the edges' to check, before they call in.
public struct MaintainerKeys: Sendable {
    let dependencies: AppDependencies

    public init(dependencies: AppDependencies) {
        self.dependencies = dependencies
    }

    var store: Store { dependencies.store }

    /// The project named `name`, after checking that `identity` is its verified maintainer.
    func authorize(_ name: RepositoryName, _ identity: SignedIn) async throws -> ProjectRecord {
        guard let resolved = try await store.projects.resolve(name) else {
            throw MaintainerKeysError.projectNotFound(name)
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

    /// Creates a key (`money.md`, create 1–6) and returns its secret once. `admitted` is the project when
    /// the caller already ran ``authorize(_:_:)`` for this request (the page does, before it records its
    /// form token).
    public func create(
        _ request: KeyRequest, in name: RepositoryName, by identity: SignedIn, admitted: ProjectRecord? = nil
    ) async throws -> CreatedComputeKey {
        let project: ProjectRecord
        if let admitted {
            project = admitted
        } else {
            project = try await authorize(name, identity)
        }
        guard let provider = dependencies.provider else { throw MaintainerKeysError.providerNotConfigured(.create) }
        let provisioned: ProvisionedKey
        do {
            provisioned = try await provisioner(provider).create(in: project.id, request, createdBy: identity.user.id)
        } catch let error as KeyRequestError {
            throw MaintainerKeysError.request(error)
        } catch LedgerStoreError.rule(.insufficientAvailable(let available, _)) {
            throw MaintainerKeysError.request(.limitAboveAvailable(available: available))
        } catch let error as KeyProvisioningError {
            throw MaintainerKeysError.providerUnavailable(error.description)
        }
        return created(provisioned, in: project)
    }

    /// Rotates a key of the project (`money.md`, "Rotate"): a new key with the same name and expiry takes
    /// over its reservation, the old one is revoked as `rotated`, and the new secret is returned once.
    /// Only a verified maintainer may (never a link token: a leaked secret must not mint its successor).
    public func rotate(_ keyID: KeyID, in name: RepositoryName, by identity: SignedIn) async throws -> CreatedComputeKey
    {
        let project = try await authorize(name, identity)
        let key = try await find(keyID, in: project)
        guard let provider = dependencies.provider else { throw MaintainerKeysError.providerNotConfigured(.rotate) }
        let provisioned: ProvisionedKey
        do {
            provisioned = try await KeyRotator(provisioner: try await provisioner(provider)).rotate(
                key.id, by: identity.user.id)
        } catch let refusal as KeyRotation.Refusal {
            throw MaintainerKeysError.rotationRefused(refusal, key: keyID)
        } catch let error as KeyProvisioningError {
            if case .rotationUncertain = error { throw MaintainerKeysError.providerUnavailable(error.description) }
            throw MaintainerKeysError.providerUnavailable(
                error.description.replacingOccurrences(of: "create the key", with: "rotate the key")
                    + " The old key keeps working.")
        } catch LedgerStoreError.rule(let rule) {
            throw MaintainerKeysError.ledgerRefusedRotation(rule)
        }
        dependencies.cliCache.forget(key: key)
        return created(provisioned, in: project)
    }

    /// The project's key `keyID`; ``MaintainerKeysError/keyNotFound(_:in:)`` when it has none.
    func find(_ keyID: KeyID, in project: ProjectRecord) async throws -> ComputeKeyRecord {
        guard let key = try await store.keys.find(keyID), key.projectID == project.id else {
            throw MaintainerKeysError.keyNotFound(keyID, in: project.name)
        }
        return key
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
        let key = try await find(keyID, in: project)
        let outcome = try await Self.revoke(key, dependencies: dependencies)
        dependencies.cliCache.forget(key: key)
        return outcome
    }

    /// Revokes `key`, already authorised: by a maintainer or by its own link token.
    static func revoke(_ key: ComputeKeyRecord, dependencies: AppDependencies) async throws -> RevokeOutcome {
        guard let provider = dependencies.provider else { throw MaintainerKeysError.providerNotConfigured(.revoke) }
        do {
            return try await KeyRevoker(store: dependencies.store, provider: provider, logger: dependencies.logger)
                .revoke(key.id)
        } catch StoreError.conflict(let message) {
            throw MaintainerKeysError.stillProvisioning(key.id, message)
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
            throw MaintainerKeysError.providerUnavailable(
                "The provider could not set up the allowed-providers guardrail; nothing was charged. Try again.")
        }
        let winner = try await store.guardrails.record(created.id, for: allowlist)
        if winner != created.id {
            dependencies.logger.notice(
                "another replica created the guardrail first; using it", metadata: ["guardrail": "\(winner)"])
        }
        return winner
    }
}

extension AppDependencies {
    /// The OpenRouter base URL keys of this server work against: the in-process simulator in sandbox,
    /// otherwise `OPENROUTER_BASE_URL` (the real one or an operator's gateway).
    public var providerURL: String { sandboxProvider?.baseURL ?? configuration.provider.baseURL }
}
