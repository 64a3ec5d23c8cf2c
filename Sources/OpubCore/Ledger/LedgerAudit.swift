/// What the auditor needs to know about one compute key.
public struct KeyAuditRecord: Sendable, Hashable {
    public let id: KeyID
    public let state: ComputeKeyState
    /// opub's effective limit for the key.
    public let limit: Money
    /// The provider usage opub last recorded for the key.
    public let recordedUsage: Money
    /// The reservation the key row caches (checked against the ledger).
    public let cachedReserved: Money

    public init(id: KeyID, state: ComputeKeyState, limit: Money, recordedUsage: Money, cachedReserved: Money) {
        self.id = id
        self.state = state
        self.limit = limit
        self.recordedUsage = recordedUsage
        self.cachedReserved = cachedReserved
    }
}

/// Totals from the donation rows (the source records behind donation and refund transactions).
public struct DonationSourceTotals: Sendable, Hashable {
    public let credited: Money
    public let refunded: Money

    public init(credited: Money, refunded: Money) {
        self.credited = credited
        self.refunded = refunded
    }
}

/// Everything stored about one project's money, as the auditor reads it.
public struct ProjectAuditRecord: Sendable {
    public let projectID: ProjectID
    /// A human name for messages (`owner/repo`).
    public let name: String
    /// The project's transactions in chain order.
    public let transactions: [LedgerTransaction]
    public let keys: [KeyAuditRecord]
    /// The totals the project row caches (available, held, reserved, donated, granted, spent, fees).
    public let cachedTotals: ProjectTotals
    /// The chain head the project row caches (nil before the first transaction).
    public let cachedHead: String?
    public let donationTotals: DonationSourceTotals

    public init(
        projectID: ProjectID, name: String, transactions: [LedgerTransaction], keys: [KeyAuditRecord],
        cachedTotals: ProjectTotals, cachedHead: String?, donationTotals: DonationSourceTotals
    ) {
        self.projectID = projectID
        self.name = name
        self.transactions = transactions
        self.keys = keys
        self.cachedTotals = cachedTotals
        self.cachedHead = cachedHead
        self.donationTotals = donationTotals
    }
}

/// A broken invariant, named precisely enough to find the row.
public struct InvariantViolation: Error, Sendable, Hashable, CustomStringConvertible {
    /// The invariant's number in `money.md` (1–7).
    public let invariant: Int
    public let project: String
    public let transaction: TransactionID?
    public let key: KeyID?
    public let detail: String

    public init(invariant: Int, project: String, transaction: TransactionID?, key: KeyID?, detail: String) {
        self.invariant = invariant
        self.project = project
        self.transaction = transaction
        self.key = key
        self.detail = detail
    }

    public static let titles = [
        1: "postings sum to zero", 2: "balance matches its sources", 3: "reservations match limits",
        4: "spend matches provider usage", 5: "idempotency keys are unique", 6: "no unexplained debt",
        7: "hash chain",
    ]

    public var description: String {
        var location = "in \(project)"
        if let transaction { location += " at \(transaction)" }
        if let key { location += " for \(key)" }
        return "invariant \(invariant) (\(Self.titles[invariant] ?? "?")) violated \(location): \(detail)"
    }
}

/// The seven invariants of `money.md` as executable checks over stored records. Pure: the store
/// loads the records, this decides.
public enum LedgerAudit {
    /// Every violation in `record`, in the order a reader would want them: per transaction in chain
    /// order (invariants 7, 1, 5, 6), then per project (2), then per key (3, 4).
    public static func violations(in record: ProjectAuditRecord) -> [InvariantViolation] {
        var found: [InvariantViolation] = []
        func fail(_ number: Int, at tx: TransactionID? = nil, key: KeyID? = nil, _ detail: String) {
            found.append(
                InvariantViolation(invariant: number, project: record.name, transaction: tx, key: key, detail: detail))
        }

        var chain = ChainAudit(projectID: record.projectID, name: record.name, keys: Set(record.keys.map(\.id)))
        for tx in record.transactions { chain.check(tx) }
        found += chain.violations
        let totals = chain.totals
        let reservedByKey = chain.reservedByKey
        let spendByKey = chain.spendByKey
        let keyIDs = Set(record.keys.map(\.id))

        // 7: the cached head.
        let head = record.transactions.last?.hash
        if head != record.cachedHead {
            fail(
                7,
                "the project's chain head is \(record.cachedHead ?? "empty") but its last transaction is \(head ?? "none")"
            )
        }

        // 2: balance from sources = available + held + Σ reserved.
        let fromSources = totals.balanceFromSources
        if fromSources != totals.balance {
            fail(
                2,
                "donations \(totals.donated.usdString) + grants \(totals.granted.usdString) − fees \(totals.fees.usdString) − spend \(totals.spent.usdString) = \(fromSources.usdString), but available + held + reserved = \(totals.balance.usdString)"
            )
        }
        let ledgerDonated = record.transactions.filter { $0.kind == .donation }.map { tx in
            -tx.postings.filter { $0.account == .donations }.map(\.amount).sum()
        }.sum()
        let ledgerRefunded = record.transactions.filter { $0.kind == .refund && $0.donationID != nil }.map { tx in
            tx.postings.filter { $0.account == .donations }.map(\.amount).sum()
        }.sum()
        if ledgerDonated != record.donationTotals.credited {
            fail(
                2,
                "completed donation rows credit \(record.donationTotals.credited.usdString) but the ledger records \(ledgerDonated.usdString)"
            )
        }
        if ledgerRefunded != record.donationTotals.refunded {
            fail(
                2,
                "donation rows record \(record.donationTotals.refunded.usdString) refunded but the ledger records \(ledgerRefunded.usdString)"
            )
        }
        for (name, cached, ledger) in [
            ("available", record.cachedTotals.available, totals.available),
            ("held", record.cachedTotals.held, totals.held),
            ("reserved", record.cachedTotals.reserved, totals.reserved),
            ("donated", record.cachedTotals.donated, totals.donated),
            ("granted", record.cachedTotals.granted, totals.granted),
            ("spent", record.cachedTotals.spent, totals.spent),
            ("fees", record.cachedTotals.fees, totals.fees),
        ] where cached != ledger {
            fail(2, "the project row caches \(name) \(cached.usdString) but the ledger gives \(ledger.usdString)")
        }

        // 3 and 4, per key.
        for key in record.keys.sorted(by: { $0.id < $1.id }) {
            let reserved = reservedByKey[key.id] ?? .zero
            if reserved != key.cachedReserved {
                fail(
                    3, key: key.id,
                    "the key row caches \(key.cachedReserved.usdString) reserved but the ledger holds \(reserved.usdString)"
                )
            }
            switch key.state {
            case .provisioning, .active:
                let expected = key.state.remaining(limit: key.limit, spent: key.recordedUsage)
                if reserved != expected {
                    fail(
                        3, key: key.id,
                        "reserved \(reserved.usdString) ≠ max(0, limit \(key.limit.usdString) − spent \(key.recordedUsage.usdString))"
                    )
                }
            case .disabled where key.state.isSettled:
                if !reserved.isZero { fail(3, key: key.id, "a settled disabled key still holds \(reserved.usdString)") }
            case .disabled:
                break
            }
            let spent = spendByKey[key.id] ?? .zero
            if spent != key.recordedUsage {
                fail(
                    4, key: key.id,
                    "spend postings total \(spent.usdString) but the recorded provider usage is \(key.recordedUsage.usdString)"
                )
            }
        }
        for key in spendByKey.keys where !keyIDs.contains(key) {
            fail(4, key: key, "spend is posted for a key this project does not have")
        }
        return found
    }
}

/// The per-transaction invariants (7, 1, 5, 6) over one project's chain, fed in chain order — the
/// part of ``LedgerAudit`` that needs nothing but the transactions, so that anyone holding the public
/// ledger (`opub ledger verify`) checks it with the same code as `opub-server ledger verify`. Memory
/// grows only with the idempotency keys, the keys and the donations seen.
public struct ChainAudit: Sendable {
    public let projectID: ProjectID
    public let name: String
    /// The project's keys, when known (the server); nil for a public copy, where a reservation must
    /// simply belong to the transaction's own key.
    let keys: Set<KeyID>?
    public private(set) var violations: [InvariantViolation] = []
    /// The running totals after the transactions checked so far.
    public private(set) var totals = ProjectTotals.zero
    public private(set) var reservedByKey: [KeyID: Money] = [:]
    public private(set) var heldByDonation: [DonationID: Money] = [:]
    public private(set) var spendByKey: [KeyID: Money] = [:]
    /// The hash of the last transaction checked (the genesis value before the first).
    public private(set) var head = LedgerHashChain.genesis
    public private(set) var count: Int64 = 0
    private var seenIdempotency = Set<String>()
    private var seenIDs = Set<TransactionID>()

    public init(projectID: ProjectID, name: String, keys: Set<KeyID>? = nil) {
        self.projectID = projectID
        self.name = name
        self.keys = keys
    }

    /// Checks the next transaction of the chain.
    public mutating func check(_ tx: LedgerTransaction) {
        func fail(_ number: Int, key: KeyID? = nil, _ detail: String) {
            violations.append(
                InvariantViolation(invariant: number, project: name, transaction: tx.id, key: key, detail: detail))
        }
        count += 1
        // 7: the chain.
        if tx.sequence != count { fail(7, "sequence is \(tx.sequence), expected \(count)") }
        if tx.previousHash != head {
            fail(7, "previous hash \(tx.previousHash) does not match the prior transaction's \(head)")
        }
        let recomputed = LedgerHashChain.hash(of: tx)
        if recomputed != tx.hash {
            fail(7, "stored hash \(tx.hash) differs from recomputed \(recomputed); the row was altered")
        }
        head = tx.hash

        // 1: balanced, non-zero, and only this project's accounts.
        if tx.projectID != projectID { fail(1, "belongs to project \(tx.projectID), not \(projectID)") }
        if tx.postings.isEmpty { fail(1, "has no postings") }
        let total = tx.postings.map(\.amount).sum()
        if !total.isZero { fail(1, "postings sum to \(total.micros) µ$, not zero") }
        for posting in tx.postings {
            if posting.amount.isZero { fail(1, "posting on \(posting.account) has a zero amount") }
            switch posting.account {
            case .available(let project) where project != projectID, .held(let project) where project != projectID:
                fail(1, "posts to another project's account \(posting.account)")
            case .held where tx.donationID == nil:
                fail(1, "posts to \(posting.account) without naming a donation")
            case .reserved(let key) where tx.keyID != key || keys.map { !$0.contains(key) } == true:
                fail(1, "posts to \(posting.account), which is not this transaction's key of this project")
            default: break
            }
        }

        // 5: unique idempotency keys and ids.
        if !seenIdempotency.insert(tx.idempotencyKey).inserted {
            fail(5, "idempotency key '\(tx.idempotencyKey)' is used twice")
        }
        if !seenIDs.insert(tx.id).inserted { fail(5, "transaction id is used twice") }

        // Running balances.
        totals.apply(tx.postings)
        for posting in tx.postings {
            switch posting.account {
            case .reserved(let key): reservedByKey[key, default: .zero] += posting.amount
            case .held: if let donation = tx.donationID { heldByDonation[donation, default: .zero] += posting.amount }
            case .provider: if let key = tx.keyID { spendByKey[key, default: .zero] += posting.amount }
            case .available, .donations, .grants, .fees: break
            }
        }

        // 6: available goes negative only through a refund or a spend (overshoot); no reservation and
        //    no donation's held money goes negative.
        let available = totals.available
        if available.isNegative, tx.availableChange.isNegative, tx.kind != .refund, tx.kind != .spend {
            fail(6, "a \(tx.kind.rawValue) left available at \(available.formattedPrecise())")
        }
        for (key, reserved) in reservedByKey where reserved.isNegative {
            fail(6, key: key, "the key's reservation went negative (\(reserved.formattedPrecise()))")
            reservedByKey[key] = .zero
        }
        if let donation = tx.donationID, let held = heldByDonation[donation], held.isNegative {
            fail(6, "the donation's held money went negative (\(held.formattedPrecise()))")
            heldByDonation[donation] = .zero
        }
    }
}
