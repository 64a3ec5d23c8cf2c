import Synchronization

/// Whether the provider answered this replica's last reconcile cycle, for `/readyz` (`server.md`:
/// "provider reachable within the last cycle"). A replica that does not hold the reconcile lease has
/// no recent reading of its own and reports `standby`; before the first cycle it reports
/// `not checked yet`. Only a failed last cycle makes the replica not ready.
public final class ProviderHealth: Sendable {
    public enum Reading: Sendable, Equatable {
        case notChecked
        case reachable
        case standby
        case unreachable(String)
    }

    private let reading = Mutex(Reading.notChecked)

    public init() {}

    public var current: Reading { reading.withLock { $0 } }

    func record(_ outcome: Reconciler.Outcome) {
        let next: Reading
        switch outcome {
        case .completed: next = .reachable
        case .leaseHeldElsewhere: next = .standby
        case .failed(let reason): next = .unreachable(String(reason.prefix(200)))
        }
        reading.withLock { $0 = next }
    }

    /// The `/readyz` check text.
    public var check: String {
        switch current {
        case .notChecked: return "not checked yet"
        case .reachable: return "ok"
        case .standby: return "standby (another replica reconciles)"
        case .unreachable(let reason): return "unreachable: \(reason)"
        }
    }

    public var isFailing: Bool {
        if case .unreachable = current { return true }
        return false
    }
}
