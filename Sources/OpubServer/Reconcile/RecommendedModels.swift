import Logging
import OpenRouter
import ServiceLifecycle
import Synchronization

/// The models opub recommends per surface (`OPUB_RECOMMENDED_MODELS`), checked against what the
/// provider lists (`GET /models`) at start and daily. A model the provider does not list — retired,
/// renamed, mistyped — is logged as a warning, shown by `/readyz`, and not recommended: the CLI and
/// the key page then offer no model for that surface and the agent uses its own default, instead of
/// every request failing with "model not found". Until the first check, and whenever the provider
/// cannot be asked, the configured models stand.
public final class RecommendedModels: Sendable {
    public enum Reading: Sendable, Equatable {
        case notChecked
        case checked(unlisted: [String: String])
        case failed(String)
    }

    public let configured: [String: String]
    private let state = Mutex<(reading: Reading, unlisted: [String: String])>((.notChecked, [:]))

    public init(configured: [String: String]) { self.configured = configured }

    /// Surface → model, without the models the provider's last listing lacked.
    public var current: [String: String] {
        let unlisted = state.withLock { $0.unlisted }
        return configured.filter { unlisted[$0.key] == nil }
    }

    public var reading: Reading { state.withLock { $0.reading } }

    /// Records a listing of the provider's models; returns surface → model for those it lacks.
    @discardableResult
    public func record(listed models: [ListedModel]) -> [String: String] {
        let served = Set(models.flatMap { [$0.id, $0.canonicalSlug].compactMap { $0 } })
        let unlisted = configured.filter { !served.contains($0.value) }
        state.withLock { $0 = (.checked(unlisted: unlisted), unlisted) }
        return unlisted
    }

    /// Records that the provider could not be asked; the previous verdict stands.
    public func recordFailure(_ reason: String) {
        state.withLock { $0.reading = .failed(String(reason.prefix(200))) }
    }

    /// The `/readyz` check text (never a reason to be unready: agents still run on their defaults).
    public var check: String {
        switch reading {
        case .notChecked: return "not checked yet"
        case .failed(let reason): return "could not check: \(reason)"
        case .checked(let unlisted) where unlisted.isEmpty: return "ok"
        case .checked(let unlisted):
            let named = unlisted.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
            return "not listed by the provider, not recommended: \(named)"
        }
    }
}

/// Checks the recommended models against the provider at start and then every day; after a failed
/// check (the provider, or the sandbox's own simulator, not answering yet) it tries again a minute later.
public struct RecommendedModelCheck: Service {
    let models: RecommendedModels
    let provider: any ProviderKeys
    let logger: Logger
    var interval: Duration = .seconds(86_400)
    var retry: Duration = .seconds(60)

    public init(models: RecommendedModels, provider: any ProviderKeys, logger: Logger) {
        self.models = models
        self.provider = provider
        self.logger = logger
    }

    public func run() async throws {
        await repeatUntilShutdown(every: interval, retryingAfter: retry) { await check() }
    }

    /// One check; false when the provider could not be asked.
    @discardableResult
    public func check() async -> Bool {
        do {
            let unlisted = models.record(listed: try await provider.listModels())
            for (surface, model) in unlisted.sorted(by: { $0.key < $1.key }) {
                logger.warning(
                    "recommended model not listed by the provider; not recommending it",
                    metadata: ["surface": "\(surface)", "model": "\(model)"])
            }
            return true
        } catch {
            models.recordFailure("\(error)")
            logger.info("could not check the recommended models yet", metadata: ["error": "\(error)"])
            return false
        }
    }
}
