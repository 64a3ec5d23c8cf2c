import Logging
import Metrics
import OpenRouter
import OpubCore
import OpubStore
import Synchronization

/// What one reconcile cycle did.
public struct ReconcileReport: Sendable, CustomStringConvertible {
    public var keysSeen = 0
    public var providerKeysListed = 0
    public var actions = 0
    public var spendPosted = Money.zero
    public var errors: [String] = []
    public var alerts: [String] = []
    public var keysThatSpent: [KeyID] = []
    /// Keys whose usage detail was read this cycle.
    public var detailRead = 0
    /// Keys whose detail was due and chosen this cycle (at most the per-cycle budget).
    public var detailDue = 0
    /// Held donations that became available this cycle.
    public var donationsCleared = 0
    /// Monthly allowance keys rolled over into this month.
    public var allowancesRolled = 0

    public var description: String {
        "\(keysSeen) key(s) checked against \(providerKeysListed) at the provider, \(actions) action(s), "
            + "\(spendPosted.formattedPrecise()) spend posted, \(errors.count) error(s)"
    }
}

/// Executes reconcile cycles: reads the provider in bulk, then opub's state, plans with
/// ``ReconcilePlanner`` and carries the actions out. Every action is idempotent; a failed action is
/// logged and counted, and the next cycle plans it again.
public struct ReconcileExecutor: Sendable {
    let store: Store
    let provider: any ProviderKeys
    let policy: ReconcilePolicy
    let logger: Logger
    /// When this executor last read the provider; the start of the interval that a linked session
    /// must overlap for this cycle's spend (after a restart, each key's previous spend reading is used).
    private let previousReading = CycleMemory<Timestamp?>(nil)
    /// How many keys the last cycle's listing found: the next listing fetches that many pages at once.
    private let listedLastCycle = CycleMemory(0)
    /// Where the cycle metrics go (the server's Prometheus registry in `serve`).
    let metrics: any MetricsFactory
    /// True when provider traces are ingested: each day's detail is then compared with the traces of
    /// that key and day, and a gap is logged and counted (``TraceGap``).
    let comparesTraces: Bool
    /// One interval's spend above this share of a key's limit is a spike alert.
    let spikeBasisPoints: Int

    var alerting: KeyAlerting {
        KeyAlerting(store: store, provider: provider, spikeBasisPoints: spikeBasisPoints, logger: logger)
    }

    public init(
        store: Store, provider: any ProviderKeys, policy: ReconcilePolicy = ReconcilePolicy(),
        logger: Logger = Logger(label: "opub.reconciler"), metrics: any MetricsFactory = MetricsSystem.factory,
        comparesTraces: Bool = false, spikeBasisPoints: Int = KeyAlertRules.defaultSpikeBasisPoints
    ) {
        self.spikeBasisPoints = spikeBasisPoints
        self.metrics = metrics
        self.comparesTraces = comparesTraces
        self.store = store
        self.provider = provider
        self.policy = policy
        self.logger = logger
    }

    /// How many projects' spend one write transaction posts (one durable commit for all of them).
    static let spendProjectsPerCommit = 100

    /// One full cycle.
    public func runCycle() async throws -> ReconcileReport {
        let started = ContinuousClock.now
        // 0. Held donations whose hold has passed become available (before the plan, so that its caps
        //    see them).
        var cleared: Int?
        var clearFailure: String?
        do { cleared = try await store.donations.clearDue() } catch let stop as LifecycleCrash { throw stop } catch {
            clearFailure = "clearing held donations: \(error)"
        }
        // The provider is listed before opub's keys are read: every provider key in the listing then
        // has its local row already (rows are inserted before `POST /keys`), so a key created during
        // the cycle is never mistaken for an orphan.
        // The listing fetches as many pages at once as the last one found keys; the first cycle after a
        // start expects the keys opub itself holds at the provider.
        var expecting = listedLastCycle.exchange(0)
        if expecting == 0 { expecting = (try? await store.keys.reconcilableCount()) ?? 0 }
        let (snapshots, listed) = try await provider.listEverySnapshot(expecting: expecting)
        _ = listedLastCycle.exchange(listed)
        let readAt = store.clock.now()
        let previousCycle = previousReading.exchange(readAt)
        // Of each local key, the planner's snapshot, and the alert of a key expiring soon: the full
        // records of every key are never held at once.
        let local = try await store.keys.reconcilable { record in
            (record.reconcileSnapshot, KeyAlerting.expiringAlert(record, now: readAt))
        }
        let available = try await store.projects.availableByProject()
        let plan = ReconcilePlanner.plan(
            provider: snapshots, keys: local.map(\.0), available: available, now: store.clock.now(), policy: policy)

        var report = ReconcileReport()
        report.donationsCleared = cleared ?? 0
        if let clearFailure { report.errors.append(clearFailure) }
        report.keysSeen = local.count
        report.providerKeysListed = snapshots.count
        report.actions = plan.actions.count
        report.keysThatSpent = plan.keysThatSpent

        // Spend first, one transaction per project (the bulk of a busy cycle).
        var spendByProject: [ProjectID: [(KeyID, Money)]] = [:]
        var rest: [ReconcileAction] = []
        for action in plan.actions {
            if case .recordSpend(let key, let project, _, let usage) = action {
                spendByProject[project, default: []].append((key, usage))
            } else {
                rest.append(action)
            }
        }
        var spendTransactions: [LedgerTransaction] = []
        var spentKeys: [KeyID: ComputeKeyRecord] = [:]
        func add(_ posted: [LedgerTransaction]) {
            report.spendPosted += posted.reduce(Money.zero) { $0 + $1.providerChange }
            spendTransactions += posted
        }
        // Group commit: up to `spendProjectsPerCommit` projects' spend in one write transaction of a few
        // multi-row statements (``Store/recordUsages(_:previousCycle:)``). When that write fails, the batch
        // is posted again one project per savepoint, so that a project that fails is rolled back alone
        // (and retried next cycle) while the others commit.
        let projects = spendByProject.keys.sorted { $0.rawValue < $1.rawValue }
        for batch in projects.chunks(of: Self.spendProjectsPerCommit) {
            let readings = Dictionary(uniqueKeysWithValues: batch.map { ($0, spendByProject[$0] ?? []) })
            do {
                let (posted, keys) = try await store.recordUsages(readings, previousCycle: previousCycle)
                add(posted)
                spentKeys.merge(keys) { _, read in read }
                continue
            } catch  where error is LifecycleCrash || error is CancellationError {
                throw error
            } catch {
                logger.notice(
                    "spend of a batch of projects failed as one write; posting it project by project",
                    metadata: ["projects": "\(batch.count)", "error": "\(error)"])
            }
            do {
                let results = try await store.withProjectLocks(
                    Array(batch), abortsAll: { $0 is LifecycleCrash || $0 is CancellationError }
                ) { write in
                    var posted: [LedgerTransaction] = []
                    for (key, usage) in readings[write.project.id] ?? [] {
                        if let result = try await write.recordUsage(key, usage: usage, previousCycle: previousCycle),
                            !result.replayed
                        {
                            posted.append(result.transaction)
                        }
                    }
                    return posted
                }
                for project in batch {
                    switch results[project] {
                    case .success(let posted): add(posted)
                    case .failure(let error): report.errors.append("spend for project \(project): \(error)")
                    case nil: break
                    }
                }
            } catch let stop as LifecycleCrash {
                throw stop
            } catch {
                report.errors.append("spend for \(batch.count) projects from \(batch[batch.startIndex]) on: \(error)")
            }
        }
        // The provider keys named after each key the remaining actions may abandon (strays of a creation).
        let keysActedOn = Set(rest.compactMap(\.keyWithStrays))
        var namedAtProvider: [KeyID: [String]] = [:]
        for snapshot in snapshots {
            if let id = snapshot.keyID, keysActedOn.contains(id) {
                namedAtProvider[id, default: []].append(snapshot.hash)
            }
        }
        var presentAfterAll: Set<KeyID> = []
        for action in rest {
            do {
                if try await execute(action, namedAtProvider: namedAtProvider) == .keyPresentAfterAll,
                    case .disable(let key, _, _) = action
                {
                    presentAfterAll.insert(key)
                }
            } catch let stop as LifecycleCrash {
                throw stop
            } catch {
                report.errors.append("\(action): \(error)")
            }
        }
        // Alerts: direct use and spikes in this cycle's spend (and a key revoking itself past its
        // maintainers' direct-use threshold), keys expiring within a week.
        do {
            try await alerting.spendPosted(spendTransactions, keys: spentKeys)
            try await alerting.record(expiring: local.compactMap(\.1))
        } catch let stop as LifecycleCrash {
            throw stop
        } catch {
            report.errors.append("alerts: \(error)")
        }
        // Monthly allowances: the first cycle of a UTC month rolls each allowance key over (after this
        // cycle's spend, so that its lifetime spend is current).
        do {
            for key in try await store.keys.allowanceDue(before: AllowanceMonth(readAt)) {
                do {
                    if try await rollOver(key, into: AllowanceMonth(readAt)) { report.allowancesRolled += 1 }
                } catch let stop as LifecycleCrash {
                    throw stop
                } catch {
                    report.errors.append("allowance rollover of \(key.id): \(error)")
                }
            }
        } catch let stop as LifecycleCrash {
            throw stop
        } catch {
            report.errors.append("allowance rollovers: \(error)")
        }
        report.alerts = plan.alerts.filter { alert in !presentAfterAll.contains { alert.contains($0.rawValue) } }
        for alert in report.alerts { logger.error("reconcile alert", metadata: ["alert": "\(alert)"]) }
        // 5. Detail: per-model, per-day usage, a day late — the keys a day they spent on has ended for,
        //    revoked and expired ones included, oldest due day first, within the per-cycle budget.
        let due = try await store.keys.detailDue(before: readAt.civilDate.iso8601, limit: policy.detailReadsPerCycle)
        report.detailDue = due.count
        for failure in try await due.concurrentMap(limit: 8, { await readDetail($0) }) {
            if let failure { report.errors.append(failure) } else { report.detailRead += 1 }
        }
        for error in report.errors { logger.warning("reconcile action failed", metadata: ["error": "\(error)"]) }

        let elapsed = started.duration(to: .now)
        Timer(label: "opub_reconcile_cycle_seconds", factory: metrics).recordNanoseconds(
            elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
        Gauge(label: "opub_reconcile_keys_seen", factory: metrics).record(report.keysSeen)
        Counter(label: "opub_reconcile_spend_micros_total", factory: metrics).increment(
            by: Int(report.spendPosted.micros))
        Counter(label: "opub_reconcile_errors_total", factory: metrics).increment(by: report.errors.count)
        Counter(label: "opub_reconcile_cycles_total", factory: metrics).increment()
        return report
    }

    /// What executing an action came to, when it was not simply carried out.
    enum ExecutionNote {
        case done
        /// A key planned as missing at the provider was found there on a second look.
        case keyPresentAfterAll
    }

    @discardableResult
    func execute(_ action: ReconcileAction, namedAtProvider: [KeyID: [String]]) async throws -> ExecutionNote {
        let settlement = KeySettlement(store: store, provider: provider)
        switch action {
        case .recordSpend:
            break  // handled in bulk above
        case .disable(let key, let project, let reason):
            // "Missing" may only mean the key was created after the listing was taken (the listing
            // comes first so that no new key looks like an orphan): ask for this one key before
            // disabling it. The next cycle's listing settles it either way.
            if reason == .providerMissing, let hash = try await store.keys.find(key)?.providerHash {
                do {
                    _ = try await provider.key(hash: hash)
                    logger.info("key created during the listing; not missing", metadata: ["key": "\(key)"])
                    return .keyPresentAfterAll
                } catch  where error.isProviderNotFound {}
            }
            try await store.withProjectLock(project) { write in
                if try await write.key(key).state == .active {
                    _ = try await write.transition(key, .disable(reason))
                }
            }
            logger.notice("compute key disabled", metadata: ["key": "\(key)", "reason": "\(reason.rawValue)"])
            try await settlement.disableAtProviderAndSettle(key)
        case .finishDisable(let key, _):
            try await settlement.disableAtProviderAndSettle(key)
        case .deleteAfterSettle(let key, _):
            try await settlement.deleteAfterSettle(key)
        case .restoreLimit(let key, let hash, let limit):
            logger.warning("provider limit changed outside opub; restoring", metadata: ["key": "\(key)"])
            _ = try await provider.updateKey(hash: hash, UpdateKeyRequest(limit: .set(limit)))
        case .undoRotation(let old, let new, let project):
            logger.warning(
                "undoing a rotation that stopped after disabling the old key; the old key works again",
                metadata: ["key": "\(old)", "new": "\(new)"])
            try await abandonProvisioning(new, project, strays: namedAtProvider[new])
            // Only a key opub still holds active (with its reservation) is enabled again.
            if let record = try await store.keys.find(old), record.state == .active, let hash = record.providerHash {
                _ = try await provider.updateKey(hash: hash, UpdateKeyRequest(disabled: false))
            }
        case .abandonProvisioning(let key, let project):
            try await abandonProvisioning(key, project, strays: namedAtProvider[key])
        case .cap(let key, let project, _, _):
            // Re-derived under the lock from the current debt, so a concurrent change cannot over-cut.
            let newLimit = try await store.withProjectLock(project) { write -> Money? in
                let available = try await write.currentAvailable()
                let current = try await write.key(key)
                guard available.isNegative, current.state == .active, current.reserved.isPositive else { return nil }
                let keep = current.reserved - min(current.reserved, -available)
                let result = try await write.cutReservation(
                    key, keeping: keep, idempotencyKey: "cap:\(key.rawValue):\((current.spent + keep).micros)",
                    memo: "Capped to what the project can afford")
                return result.limit
            }
            if let newLimit, let hash = try await store.keys.find(key)?.providerHash {
                _ = try await provider.updateKey(hash: hash, UpdateKeyRequest(limit: .set(newLimit)))
            }
        case .deleteOrphan(let hash):
            logger.warning("deleting a provider key opub does not know", metadata: ["hash": "\(hash)"])
            do { try await provider.deleteKey(hash: hash) } catch  where error.isProviderNotFound {}
        }
        return .done
    }

    /// A targeted reconcile of one key (a session ended): records its spend at once, so that the
    /// spend still counts as linked. Its detail arrives with the next completed day and is read then
    /// (or now, when a past day is still due).
    public func reconcileKey(_ id: KeyID) async throws {
        guard let record = try await store.keys.find(id), let hash = record.providerHash else { return }
        let usage = try await provider.key(hash: hash).spend
        let posted = try await store.withProjectLock(record.projectID) { write in
            try await write.recordUsage(id, usage: usage)
        }
        if let posted, !posted.replayed { try await alerting.spendPosted([posted.transaction]) }
        guard let due = record.detailDueDay, due < store.clock.now().civilDate.iso8601 else { return }
        if let failure = await readDetail(record) { throw ReconcileDetailError(message: failure) }
    }

    /// Reads one key's usage by day and model from the provider's `/activity` and stores it; returns
    /// a description of the failure, if any.
    func readDetail(_ key: ComputeKeyRecord) async -> String? {
        guard let hash = key.providerHash else { return nil }
        let readAt = store.clock.now()
        do {
            let records = try await provider.activity(date: nil, apiKeyHash: hash)
            // BYOK spend is spend (``ProviderSpend``): a row's cost is its credit and BYOK usage together.
            let readings = records.map { record in
                UsageReading(
                    date: record.date, model: record.model, providerName: record.providerName ?? "",
                    requests: Int64(record.requests), promptTokens: Int64(record.promptTokens),
                    completionTokens: Int64(record.completionTokens), reasoningTokens: Int64(record.reasoningTokens),
                    cost: ProviderSpend.counted(creditUsage: record.usage, byokUsage: record.byokUsageInference))
            }
            let merged = UsageReading.merged(readings)
            // New models and providers: those of the days now due, against the days before them.
            let due = key.detailDueDay ?? merged.map(\.date).min() ?? ""
            let known = try await store.usage.usedBefore(due, by: key.id)
            try await store.usage.record(merged, for: key)
            try await alerting.detailRead(key, readings: merged.filter { $0.date >= due }, known: known)
            if comparesTraces { try await compareTraces(of: key, with: merged) }
            try await store.keys.markDetailRead(key.id, at: readAt)
            return nil
        } catch {
            return "usage detail of \(key.id): \(error)"
        }
    }
}

extension ReconcileExecutor {
    /// Rolls `key` over into `month` (``MonthlyAllowance``). When its limit is going down (the project
    /// can afford less than the key held), the provider's limit is lowered to the expected value first,
    /// so the provider never lets it spend more than opub will hold; after the commit the provider gets
    /// the exact limit. A crash in between leaves the provider at or below opub's limit until the
    /// limit restore of the next cycle, or, if the project's available fell in that instant, above it by
    /// at most that fall until then.
    func rollOver(_ key: ComputeKeyRecord, into month: AllowanceMonth) async throws -> Bool {
        guard let hash = key.providerHash, let allowance = key.allowance else { return false }
        let available = try await store.projects.balances(key.projectID).available
        let expected =
            key.spent + MonthlyAllowance.reservation(allowance: allowance, unspent: key.reserved, available: available)
        var sent = key.limit
        if expected < key.limit {
            _ = try await provider.updateKey(hash: hash, UpdateKeyRequest(limit: .set(expected)))
            sent = expected
        }
        let rolled = try await store.withProjectLock(key.projectID) { write in
            try await write.rollOverAllowance(key.id, into: month)
        }
        guard let rolled else { return false }
        if rolled.limit != sent {
            _ = try await provider.updateKey(hash: hash, UpdateKeyRequest(limit: .set(rolled.limit)))
        }
        logger.info(
            "monthly allowance rolled over",
            metadata: ["key": "\(key.id)", "month": "\(month)", "reserved": "\(rolled.reserved.usdString)"])
        return true
    }

    /// A key stuck in `provisioning`: marked `provisioning_failed` (its reservation released) under the
    /// lock first, so that a request still working on it sees that and stops, then every provider key
    /// named after it deleted.
    /// `strays`: the hashes of provider keys named after `key` (a creation that went through unseen).
    func abandonProvisioning(_ key: KeyID, _ project: ProjectID, strays: [String]?) async throws {
        let abandoned = try await store.withProjectLock(project) { write -> Bool in
            guard try await write.key(key).state == .provisioning else { return false }
            _ = try await write.transition(key, .disable(.provisioningFailed))
            try await write.releaseAll(key, reason: "provisioning_failed")
            return true
        }
        guard abandoned else { return }
        for stray in strays ?? [] {
            do { try await provider.deleteKey(hash: stray) } catch  where error.isProviderNotFound {}
        }
        try await store.withProjectLock(project) { write in
            if try await write.key(key).state == .disabled(.provisioningFailed, .disablePending) {
                _ = try await write.transition(key, .confirmedDeletedAtProvider)
            }
        }
        logger.warning("abandoned a key stuck in provisioning", metadata: ["key": "\(key)"])
    }

    /// Compares each newly due day's `/activity` cost of `key` with what its provider traces said;
    /// a gap goes to the log and to `opub_trace_gap_key_days_total` / `opub_trace_gap_dollars`.
    func compareTraces(of key: ComputeKeyRecord, with readings: [UsageReading]) async throws {
        var days: [String: (cost: Money, requests: Int64)] = [:]
        for reading in readings where reading.date >= (key.detailDueDay ?? "") {
            let day = days[reading.date] ?? (.zero, 0)
            days[reading.date] = (day.cost + reading.cost, day.requests + reading.requests)
        }
        for (day, activity) in days.sorted(by: { $0.key < $1.key }) {
            let traces = try await store.traces.total(of: key.id, on: day)
            guard
                let gap = TraceGap.of(
                    activity: activity.cost, activityRequests: activity.requests, traces: traces.cost,
                    traceRequests: traces.requests)
            else { continue }
            Counter(label: "opub_trace_gap_key_days_total", factory: metrics).increment()
            FloatingPointCounter(label: "opub_trace_gap_dollars", factory: metrics).increment(
                by: Double(gap.micros.magnitude) / 1_000_000)
            logger.warning(
                "provider traces and activity disagree",
                metadata: [
                    "key": "\(key.id)", "day": "\(day)", "activity": "\(activity.cost.usdString)",
                    "activity_requests": "\(activity.requests)", "traces": "\(traces.cost.usdString)",
                    "trace_requests": "\(traces.requests)",
                ])
        }
    }
}

/// A value an executor remembers from one cycle to the next, shared by its copies.
final class CycleMemory<Value: Sendable>: Sendable {
    private let value: Mutex<Value>

    init(_ initial: Value) { value = Mutex(initial) }

    /// Stores `next` and returns what was there.
    func exchange(_ next: Value) -> Value {
        value.withLock { current in
            defer { current = next }
            return current
        }
    }
}

/// Why a targeted reconcile could not read a key's usage detail (its spend was recorded).
struct ReconcileDetailError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

extension ReconcileAction {
    /// The key whose stray provider keys (named after it) this action deletes, if any.
    var keyWithStrays: KeyID? {
        switch self {
        case .undoRotation(_, let new, _): new
        case .abandonProvisioning(let key, _): key
        default: nil
        }
    }
}
