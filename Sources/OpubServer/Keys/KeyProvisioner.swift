import Logging
import OpenRouter
import OpubCore
import OpubStore

/// A freshly created key: the record and the secret, which exists only in this value and the one
/// response that carries it.
public struct ProvisionedKey: Sendable, CustomStringConvertible {
    public let key: ComputeKeyRecord
    /// The provider secret. Never stored, logged, or returned again.
    public let secret: String
    /// The token the CLI will derive from the secret.
    public let linkToken: String

    public var description: String { "ProvisionedKey(\(key.id), \(KeyFingerprint.label(ofSecret: secret)))" }
}

/// Why key creation failed after validation.
public enum KeyProvisioningError: Error, Sendable, CustomStringConvertible {
    /// The provider could not create the key (or its guardrail); the reservation was released.
    case providerFailed(KeyID, String)
    /// The key was abandoned by the reconciler while the provider was slow; nothing was handed out.
    case abandoned(KeyID)
    /// A rotation's provider step got no clear answer; the reconciler finishes or undoes it.
    case rotationUncertain(KeyID)

    public var description: String {
        switch self {
        case .providerFailed(_, let reason):
            return "The provider could not create the key: \(reason) Nothing was charged; try again."
        case .abandoned:
            return "The provider took too long to create the key; nothing was charged. Try again."
        case .rotationUncertain:
            return "The provider did not answer while the old key was being disabled. Within two minutes opub undoes "
                + "the rotation and the old key works as before; reload the keys page then and rotate again."
        }
    }
}

/// Creates compute keys (`money.md`, create steps 1–6).
public struct KeyProvisioner: Sendable {
    public struct Settings: Sendable {
        /// The smallest key limit (default $1).
        public var minimumLimit: Money
        /// The operator's guardrail (allowed providers), assigned to every key when set.
        public var guardrailID: String?
        /// Attempts at `POST /keys` when failures are ambiguous (default 3).
        public var maximumAttempts: Int

        public init(minimumLimit: Money = Money(dollars: 1), guardrailID: String? = nil, maximumAttempts: Int = 3) {
            self.minimumLimit = minimumLimit
            self.guardrailID = guardrailID
            self.maximumAttempts = maximumAttempts
        }
    }

    let store: Store
    let provider: any ProviderKeys
    let settings: Settings
    let probe: any LifecycleProbe
    let logger: Logger

    public init(
        store: Store, provider: any ProviderKeys, settings: Settings = Settings(),
        probe: any LifecycleProbe = NoProbe(),
        logger: Logger = Logger(label: "opub.keys")
    ) {
        self.store = store
        self.provider = provider
        self.settings = settings
        self.probe = probe
        self.logger = logger
    }

    /// Validates, reserves, creates the provider key, assigns the guardrail, activates, and returns
    /// the secret once. The caller has already checked that the requester maintains `project`. A monthly
    /// request's allowance (``MonthlyAllowance``) is reserved for this month and set as the provider's
    /// (absolute) limit; the reconciler renews it each month. Throws ``KeyRequestError`` for a request the
    /// project cannot grant, ``KeyProvisioningError`` when the provider failed.
    public func create(
        in project: ProjectID, _ request: KeyRequest, createdBy: UserID? = nil
    ) async throws -> ProvisionedKey {
        // 1–2. Validate and reserve under the project's lock (so "available" cannot change in between),
        // group-committed with other reservations of the project made at the same time.
        let now = store.clock.now()
        let minimum = settings.minimumLimit
        let key = try await store.keys.reserve(
            KeyReservation(
                request: request, createdBy: createdBy,
                check: { project, available in
                    try KeyRequestRules.validate(
                        request, available: available, claimed: project.isClaimed,
                        suspended: project.suspendedAt != nil, minimumLimit: minimum, now: now)
                }),
            in: project)
        try await probe.reached(.reserved)

        // 3–4. The provider key and its guardrail.
        let created: CreatedKey
        do {
            created = try await createAtProvider(key)
            try await probe.reached(.providerKeyCreated)
            if let guardrail = settings.guardrailID {
                do {
                    _ = try await provider.assignKeys([created.key.hash], toGuardrail: guardrail)
                } catch {
                    // A key without its guardrail is never handed out.
                    try? await provider.deleteKey(hash: created.key.hash)
                    throw error
                }
            }
            try await probe.reached(.guardrailAssigned)
        } catch let error as LifecycleCrash {
            throw error
        } catch {
            try await failProvisioning(key)
            throw KeyProvisioningError.providerFailed(key.id, String(describing: error))
        }

        // 5. Activate; the verifier is stored, the token and secret are not.
        let token = LinkToken.derive(secret: created.secret, keyID: key.id)
        let active: ComputeKeyRecord
        do {
            active = try await store.withProjectLock(project) { write in
                try await write.activate(
                    key.id, providerHash: created.key.hash, providerLabel: created.key.label,
                    linkTokenVerifier: LinkToken.verifier(ofToken: token))
            }
        } catch is IllegalKeyTransition {
            // The reconciler gave up on this key while the provider was slow: remove what we made.
            try? await provider.deleteKey(hash: created.key.hash)
            throw KeyProvisioningError.abandoned(key.id)
        }
        try await probe.reached(.activated)
        logger.info("compute key created", metadata: ["key": "\(key.id)", "project": "\(project)"])
        // 6. The caller returns the secret once, with Cache-Control: no-store.
        return ProvisionedKey(key: active, secret: created.secret, linkToken: token)
    }

    /// `POST /keys` with the ambiguous-failure procedure: when the answer may have been lost, delete
    /// any key already named `opub:{ck}` (we do not hold its secret) and try again, at most
    /// ``Settings/maximumAttempts`` times.
    func createAtProvider(_ key: ComputeKeyRecord) async throws -> CreatedKey {
        let request = CreateKeyRequest(
            name: ProviderKeySnapshot.providerName(for: key.id), limit: key.limit, limitReset: nil,
            includeBYOKInLimit: true, expiresAt: key.expiresAt)
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try await provider.createKey(request)
            } catch  where error.isAmbiguousProviderFailure && attempt < settings.maximumAttempts {
                logger.warning(
                    "ambiguous failure creating a provider key; removing any copy and retrying",
                    metadata: ["key": "\(key.id)", "attempt": "\(attempt)"])
                try await deleteProviderKeys(named: request.name)
            }
        }
    }

    func deleteProviderKeys(named name: String) async throws {
        for existing in try await provider.listEveryKey() where existing.name == name {
            do {
                try await provider.deleteKey(hash: existing.hash)
            } catch  where error.isProviderNotFound {}
        }
    }

    /// Create failed in step 3 or 4: `disabled(provisioning_failed)`, the reservation released, and
    /// (nothing being left at the provider) the provider side marked done.
    /// Returns false when the key was no longer provisioning (nothing changed).
    @discardableResult
    func failProvisioning(_ key: ComputeKeyRecord) async throws -> Bool {
        let failed = try await store.withProjectLock(key.projectID) { write -> Bool in
            let current = try await write.key(key.id)
            guard current.state == .provisioning else { return false }
            _ = try await write.transition(key.id, .disable(.provisioningFailed))
            try await write.releaseAll(key.id, reason: "provisioning_failed")
            return true
        }
        if failed { logger.warning("compute key provisioning failed", metadata: ["key": "\(key.id)"]) }
        return failed
    }
}

/// Thrown by test probes to stop a lifecycle between two steps, as a crash would.
public struct LifecycleCrash: Error, Sendable, Equatable {
    public let step: LifecycleStep
    public init(after step: LifecycleStep) { self.step = step }
}
