import OpubCore
import OpubTestSupport
import Testing

/// A pure, in-memory ledger for one project that applies ``MoneyStep``s with ``LedgerRules`` and
/// the key state machine, exactly as the store does, and hands the result to ``LedgerAudit``.
struct ModelLedger {
    struct Key {
        var state: ComputeKeyState
        var limit: Money
        var spent: Money = .zero
        var reserved: Money = .zero
    }

    let project = ProjectID("prj_model")!
    var transactions: [LedgerTransaction] = []
    var available = Money.zero
    var keys: [KeyID: Key] = [:]
    var keyOrder: [KeyID] = []
    var donations: [(id: DonationID, credited: Money, refunded: Money, held: Money)] = []
    var clock: Int64 = 1_000_000

    var liveKeys: [KeyID] { keyOrder.filter { keys[$0]!.state == .active } }

    mutating func post(_ intent: LedgerIntent, key idempotencyKey: String) throws {
        let keyReserved = intent.keyID.map { keys[$0]!.reserved } ?? .zero
        let donationIndex = intent.donationID.flatMap { id in donations.firstIndex { $0.id == id } }
        let donationHeld = donationIndex.map { donations[$0].held } ?? .zero
        let position = LedgerPosition(available: available, keyReserved: keyReserved, donationHeld: donationHeld)
        let postings = try LedgerRules.postings(for: intent, project: project, position: position)
        let after = LedgerRules.applying(postings, to: position)
        clock += 1
        transactions.append(
            .chained(
                id: TransactionID("tx_\(transactions.count + 1)")!, projectID: project,
                sequence: Int64(transactions.count + 1), kind: intent.kind, idempotencyKey: idempotencyKey,
                keyID: intent.keyID, donationID: intent.donationID, sessionID: nil, memo: "\(intent.kind)",
                createdAt: Timestamp(microsSinceEpoch: clock), postings: postings,
                previousHash: transactions.last?.hash ?? LedgerHashChain.genesis))
        available = after.available
        if let donationIndex { donations[donationIndex].held = after.donationHeld }
        if let key = intent.keyID {
            keys[key]!.reserved = after.keyReserved
            if intent.kind == .spend { keys[key]!.spent += intent.amount }
        }
    }

    /// Applies a step; returns false when the rules refused it (which must leave everything unchanged).
    @discardableResult
    mutating func apply(_ step: MoneyStep) throws -> Bool {
        let n = transactions.count
        switch step {
        case .grant(let amount):
            try post(.grant(amount: amount), key: "grant:\(n)")
        case .donate(let amount, let fee):
            let id = DonationID("don_\(donations.count + 1)")!
            donations.append((id, amount, .zero, .zero))
            try post(.donation(id, amount: amount, fee: fee), key: "donation:\(id)")
        case .donateHeld(let amount, let fee):
            let id = DonationID("don_\(donations.count + 1)")!
            donations.append((id, amount, .zero, .zero))
            try post(.heldDonation(id, amount: amount, fee: fee), key: "donation:\(id)")
        case .clear(let index):
            guard !donations.isEmpty else { return false }
            let donation = donations[index % donations.count]
            guard donation.held.isPositive else { return false }
            try post(.clear(donation.id, amount: donation.held), key: "clear:\(donation.id)")
        case .refund(let index, let amount):
            guard !donations.isEmpty else { return false }
            let i = index % donations.count
            guard donations[i].refunded + amount <= donations[i].credited else { return false }
            try post(.refund(donations[i].id, amount: amount), key: "refund:\(n)")
            donations[i].refunded += amount
        case .createKey(let limit):
            let id = KeyID("ck_\(keyOrder.count + 1)")!
            guard available >= limit else {
                expectRefusal {
                    try LedgerRules.postings(
                        for: .reserve(id, amount: limit), project: project, position: .init(available: available))
                }
                return false
            }
            keys[id] = Key(state: .provisioning, limit: limit)
            keyOrder.append(id)
            try post(.reserve(id, amount: limit), key: "reserve:\(id)")
            keys[id]!.state = try keys[id]!.state.applying(.provisioned)
        case .spend(let index, let amount):
            let live = liveKeys
            guard !live.isEmpty else { return false }
            try post(.spend(live[index % live.count], amount: amount), key: "spend:\(n)")
        case .revoke(let index):
            let live = liveKeys
            guard !live.isEmpty else { return false }
            let id = live[index % live.count]
            keys[id]!.state = try keys[id]!.state.applying(.disable(.revoked))
            if keys[id]!.reserved.isPositive { try post(.release(id, amount: keys[id]!.reserved), key: "release:\(n)") }
            keys[id]!.state = try keys[id]!.state.applying(.confirmedDisabledAtProvider)
        case .cap(let index, let permille):
            let live = liveKeys
            guard !live.isEmpty else { return false }
            let id = live[index % live.count]
            let reserved = keys[id]!.reserved
            let kept = Money(micros: reserved.micros * Int64(permille) / 1000)
            guard kept < reserved else { return false }
            try post(.release(id, amount: reserved - kept), key: "cap:\(n)")
            keys[id]!.limit = keys[id]!.spent + kept
        }
        return true
    }

    /// What a store's project row would cache: the chain's totals, with the balances this model keeps
    /// itself (so that editing them is seen as a wrong cached value).
    var cachedTotals: ProjectTotals {
        var totals = ProjectTotals.of(transactions)
        totals.available = available
        totals.held = donations.map(\.held).sum()
        totals.reserved = keyOrder.map { keys[$0]!.reserved }.sum()
        return totals
    }

    var auditRecord: ProjectAuditRecord {
        ProjectAuditRecord(
            projectID: project, name: "model/ledger", transactions: transactions,
            keys: keyOrder.map { id in
                let key = keys[id]!
                return KeyAuditRecord(
                    id: id, state: key.state, limit: key.limit, recordedUsage: key.spent, cachedReserved: key.reserved)
            },
            cachedTotals: cachedTotals, cachedHead: transactions.last?.hash,
            donationTotals: DonationSourceTotals(
                credited: donations.map(\.credited).sum(), refunded: donations.map(\.refunded).sum()))
    }
}

/// Asserts that the rules refuse (used where the model predicts a refusal).
func expectRefusal(_ body: () throws -> some Any) {
    #expect(throws: LedgerRuleError.self) { try body() }
}
