/// The reconciler's decisions as a pure function: a provider snapshot and opub's state in, the
/// actions out (`money.md`, "Reconciliation"). No I/O, so every branch is table-tested.
public enum ReconcilePlanner {
    /// Plans one cycle.
    ///
    /// - Parameters:
    ///   - provider: every provider key named `opub:…` (listed in bulk, disabled ones included).
    ///   - keys: every local key that is active, provisioning, or disabled but not yet deleted at the provider.
    ///   - available: each project's available amount.
    ///   - now: the cycle's time.
    public static func plan(
        provider: [ProviderKeySnapshot], keys: [LocalKeySnapshot], available: [ProjectID: Money], now: Timestamp,
        policy: ReconcilePolicy = ReconcilePolicy()
    ) -> ReconcilePlan {
        var byHash: [String: ProviderKeySnapshot] = [:]
        var byKeyID: [KeyID: ProviderKeySnapshot] = [:]
        for snapshot in provider {
            byHash[snapshot.hash] = snapshot
            if let id = snapshot.keyID { byKeyID[id] = snapshot }
        }
        var actions: [ReconcileAction] = []
        var spent: [KeyID] = []
        var alerts: [String] = []
        // Predicted balances after this cycle's spend, for the cap and drain rules.
        var projectAvailable = available
        var reservedAfter: [KeyID: Money] = [:]
        var activeAfter: [ProjectID: [LocalKeySnapshot]] = [:]
        var claimedHashes = Set<String>()
        // Rotations in progress: the successor (still provisioning) of each key being rotated.
        var successor: [KeyID: LocalKeySnapshot] = [:]
        for key in keys where key.state == .provisioning {
            if let old = key.replaces { successor[old] = key }
        }
        let localByID = Dictionary(keys.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })

        for key in keys {
            // A key is matched by its stored hash. A key without one (still provisioning, or failed
            // before the hash was stored) has no usable provider key yet; one named after it is
            // left to the provisioning clean-up, not treated as an orphan.
            let remote = key.providerHash.flatMap { byHash[$0] }
            if let remote { claimedHashes.insert(remote.hash) }
            if key.providerHash == nil, let named = byKeyID[key.id] { claimedHashes.insert(named.hash) }
            var reserved = key.reserved

            // Usage growth is recorded for every key the provider still reports.
            if let remote, remote.usage > key.spent {
                let growth = remote.usage - key.spent
                actions.append(.recordSpend(key.id, key.projectID, growth: growth, newUsage: remote.usage))
                spent.append(key.id)
                let fromReservation = min(growth, max(reserved, .zero))
                reserved -= fromReservation
                projectAvailable[key.projectID, default: .zero] -= growth - fromReservation
            }

            switch key.state {
            case .active:
                if key.providerHash != nil, remote == nil {
                    actions.append(.disable(key.id, key.projectID, reason: .providerMissing))
                    alerts.append("compute key \(key.id) is missing at the provider")
                    projectAvailable[key.projectID, default: .zero] += reserved
                } else if let remote, remote.disabled, let next = successor[key.id] {
                    // A rotation disabled this key at the provider. Within the grace its request is still
                    // running; past it, nobody holds the successor's secret: undo the rotation, so that
                    // the old key works unchanged (it still holds its reservation).
                    if next.createdAt.adding(seconds: policy.provisioningGraceSeconds) <= now {
                        actions.append(.undoRotation(old: key.id, new: next.id, key.projectID))
                    }
                    reservedAfter[key.id] = reserved
                    activeAfter[key.projectID, default: []].append(key)
                } else if let remote, remote.disabled {
                    actions.append(.disable(key.id, key.projectID, reason: .providerDisabled))
                    alerts.append("compute key \(key.id) was disabled at the provider outside opub")
                    projectAvailable[key.projectID, default: .zero] += reserved
                } else if let expiry = key.expiresAt, expiry <= now {
                    actions.append(.disable(key.id, key.projectID, reason: .expired))
                    projectAvailable[key.projectID, default: .zero] += reserved
                } else {
                    if let remote, remote.limit != key.limit {
                        actions.append(.restoreLimit(key.id, hash: remote.hash, limit: key.limit))
                    }
                    reservedAfter[key.id] = reserved
                    activeAfter[key.projectID, default: []].append(key)
                }
            case .provisioning:
                // A successor whose old key is already disabled at the provider is abandoned together
                // with enabling the old key again (above).
                let settledWithOld =
                    key.replaces.flatMap { localByID[$0] }.map { old in
                        old.state == .active && (old.providerHash.flatMap { byHash[$0] }?.disabled ?? false)
                    } ?? false
                if !settledWithOld, key.createdAt.adding(seconds: policy.provisioningGraceSeconds) <= now {
                    actions.append(.abandonProvisioning(key.id, key.projectID))
                    projectAvailable[key.projectID, default: .zero] += reserved
                }
            case .disabled(_, .disablePending):
                actions.append(.finishDisable(key.id, key.projectID))
                projectAvailable[key.projectID, default: .zero] += reserved
            case .disabled(_, .disabledAtProvider):
                let since = key.disabledAt ?? key.createdAt
                // Deleted only once its last day's detail is read; until then it stays disabled at the
                // provider, and the listing still posts any late charge as spend.
                if since.adding(seconds: policy.settleWindowSeconds) <= now, !key.detailDue {
                    actions.append(.deleteAfterSettle(key.id, key.projectID))
                }
            case .disabled(_, .deletedAtProvider):
                break
            }
        }

        // Per project, after spend: cap on debt (newest keys first), then drain.
        for project in activeAfter.keys.sorted(by: { $0.rawValue < $1.rawValue }) {
            var debt = -(projectAvailable[project] ?? .zero)
            let newestFirst = (activeAfter[project] ?? []).sorted {
                ($0.createdAt, $0.id.rawValue) > ($1.createdAt, $1.id.rawValue)
            }
            let totalReserved = newestFirst.map { reservedAfter[$0.id] ?? .zero }.sum()
            let balance = (projectAvailable[project] ?? .zero) + totalReserved
            if !balance.isPositive {
                for key in newestFirst {
                    actions.append(.disable(key.id, project, reason: .balanceExhausted))
                }
                continue
            }
            guard debt.isPositive else { continue }
            for key in newestFirst where debt.isPositive {
                let reserved = reservedAfter[key.id] ?? .zero
                guard reserved.isPositive else { continue }
                let cut = min(reserved, debt)
                let keep = reserved - cut
                debt -= cut
                let spentAfter = key.limit - reserved
                actions.append(.cap(key.id, project, keep: keep, newLimit: spentAfter + keep))
            }
        }

        // Orphans: provider keys of opub that no live local key claims.
        // (A second provider key named after a key that already has its hash, left by a retried
        // create, is an orphan too.)
        for snapshot in provider.sorted(by: { $0.hash < $1.hash }) where !claimedHashes.contains(snapshot.hash) {
            actions.append(.deleteOrphan(hash: snapshot.hash))
        }
        return ReconcilePlan(actions: actions, keysThatSpent: spent, alerts: alerts)
    }
}
