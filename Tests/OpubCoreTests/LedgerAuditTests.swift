import OpubTestSupport
import PropertyBased
import Testing

@testable import OpubCore

@Suite("Ledger invariants")
struct LedgerAuditTests {
    /// A small healthy ledger: grant, donation, a key that spent past its reservation, a revoked key.
    func healthy() throws -> ModelLedger {
        var model = ModelLedger()
        try model.apply(.grant(Money(dollars: 20)))
        try model.apply(.donate(Money(dollars: 10), fee: Money(dollars: 1)))
        try model.apply(.createKey(limit: Money(dollars: 5)))
        try model.apply(.createKey(limit: Money(dollars: 3)))
        try model.apply(.spend(keyIndex: 0, Money(dollars: 6)))
        try model.apply(.revoke(keyIndex: 1))
        try model.apply(.refund(donationIndex: 0, Money(dollars: 2)))
        return model
    }

    @Test("a healthy ledger has no violations")
    func clean() throws {
        #expect(LedgerAudit.violations(in: try healthy().auditRecord) == [])
    }

    @Test(
        "property: random grants, donations, refunds, reserves, spends (with overshoot), caps and releases keep all invariants"
    )
    func randomScripts() async {
        await propertyCheck(count: 200, input: Gen.int(in: 0...Int(Int32.max)).array(of: 1...120)) { seeds in
            var model = ModelLedger()
            for (index, seed) in seeds.enumerated() {
                let step = MoneyStep(seed: seed)
                do {
                    try model.apply(step)
                } catch {
                    Issue.record("step \(index) \(step) threw \(error)")
                    return
                }
                let violations = LedgerAudit.violations(in: model.auditRecord)
                #expect(violations == [], "after step \(index): \(step)")
                if !violations.isEmpty { return }
            }
        }
    }

    func violations(_ edit: (inout ModelLedger) -> Void) throws -> [InvariantViolation] {
        var model = try healthy()
        edit(&model)
        return LedgerAudit.violations(in: model.auditRecord)
    }

    func replace(_ model: inout ModelLedger, at index: Int, _ change: (LedgerTransaction) -> LedgerTransaction) {
        model.transactions[index] = change(model.transactions[index])
    }

    func copy(
        _ tx: LedgerTransaction, memo: String? = nil, postings: [Posting]? = nil, idempotencyKey: String? = nil,
        sequence: Int64? = nil, previousHash: String? = nil, rehash: Bool = false
    ) -> LedgerTransaction {
        let changed = LedgerTransaction(
            id: tx.id, projectID: tx.projectID, sequence: sequence ?? tx.sequence, kind: tx.kind,
            idempotencyKey: idempotencyKey ?? tx.idempotencyKey, keyID: tx.keyID, donationID: tx.donationID,
            sessionID: tx.sessionID, memo: memo ?? tx.memo, createdAt: tx.createdAt, postings: postings ?? tx.postings,
            previousHash: previousHash ?? tx.previousHash, hash: tx.hash)
        return rehash ? changed.withHash(LedgerHashChain.hash(of: changed)) : changed
    }

    @Test("an edited memo breaks the chain at that transaction (7)")
    func tamperedMemo() throws {
        let model = try healthy()
        let target = model.transactions[2].id
        let found = try violations { replace(&$0, at: 2) { copy($0, memo: "edited") } }
        #expect(found.first?.invariant == 7)
        #expect(found.first?.transaction == target)
        #expect(found.first?.description.contains("altered") == true)
    }

    @Test("a rehashed edit still breaks the link to the next transaction (7)")
    func rehashedEdit() throws {
        let found = try violations { replace(&$0, at: 1) { copy($0, memo: "edited", rehash: true) } }
        #expect(found.contains { $0.invariant == 7 && $0.detail.contains("previous hash") })
    }

    @Test("unbalanced postings are named (1)")
    func unbalanced() throws {
        let found = try violations { model in
            replace(&model, at: 0) { tx in
                copy(
                    tx,
                    postings: [
                        tx.postings[0], Posting(tx.postings[1].account, tx.postings[1].amount + Money(micros: 1)),
                    ], rehash: true)
            }
        }
        #expect(found.contains { $0.invariant == 1 && $0.detail.contains("sum to 1") })
    }

    @Test("a reused idempotency key is named (5)")
    func duplicateIdempotency() throws {
        let found = try violations { model in
            let first = model.transactions[0].idempotencyKey
            replace(&model, at: 1) { copy($0, idempotencyKey: first, rehash: true) }
        }
        #expect(found.contains { $0.invariant == 5 })
    }

    @Test("a sequence gap is named (7)")
    func sequenceGap() throws {
        let found = try violations { model in model.transactions.remove(at: 3) }
        #expect(found.contains { $0.invariant == 7 && $0.detail.contains("sequence") })
    }

    @Test("a wrong cached available, reservation or usage is named (2, 3, 4)")
    func cachedValues() throws {
        let available = try violations { $0.available += Money(micros: 5) }
        #expect(available.contains { $0.invariant == 2 && $0.detail.contains("caches available") })
        let reserved = try violations { model in model.keys[model.keyOrder[0]]!.reserved += Money(micros: 5) }
        #expect(reserved.contains { $0.invariant == 3 })
        let usage = try violations { model in model.keys[model.keyOrder[0]]!.spent += Money(micros: 5) }
        #expect(usage.contains { $0.invariant == 4 })
    }

    @Test("an active key whose limit does not match its reservation is named (3)")
    func reservationMismatch() throws {
        var model = ModelLedger()
        try model.apply(.grant(Money(dollars: 20)))
        try model.apply(.createKey(limit: Money(dollars: 5)))
        model.keys[model.keyOrder[0]]!.limit = Money(dollars: 6)
        let found = LedgerAudit.violations(in: model.auditRecord)
        #expect(found.map(\.invariant) == [3])
    }

    @Test("a settled disabled key that still holds money is named (3)")
    func settledHolding() throws {
        var model = ModelLedger()
        try model.apply(.grant(Money(dollars: 20)))
        try model.apply(.createKey(limit: Money(dollars: 5)))
        let id = model.keyOrder[0]
        model.keys[id]!.state = .disabled(.revoked, .disabledAtProvider)
        #expect(LedgerAudit.violations(in: model.auditRecord).contains { $0.invariant == 3 && $0.key == id })
    }

    @Test("donation rows that disagree with the ledger are named (2)")
    func donationSource() throws {
        var model = try healthy()
        model.donations[0].credited += Money(dollars: 1)
        #expect(
            LedgerAudit.violations(in: model.auditRecord).contains {
                $0.invariant == 2 && $0.detail.contains("donation rows")
            })
    }

    @Test("a clear of more than its donation holds is named (6); a held posting without a donation (1)")
    func heldMoney() throws {
        var model = ModelLedger()
        try model.apply(.donateHeld(Money(dollars: 5), fee: .zero))
        let project = model.project
        let donation = model.donations[0].id
        // Bypass the rules: clear $7 of a $5 hold.
        model.transactions.append(
            .chained(
                id: TransactionID("tx_bad")!, projectID: project, sequence: 2, kind: .clear, idempotencyKey: "bad",
                keyID: nil, donationID: donation, sessionID: nil, memo: "", createdAt: Timestamp(microsSinceEpoch: 9),
                postings: [
                    Posting(.held(project), Money(dollars: -7)), Posting(.available(project), Money(dollars: 7)),
                ],
                previousHash: model.transactions[0].hash))
        model.available = Money(dollars: 7)
        model.donations[0].held = Money(dollars: -2)
        let found = LedgerAudit.violations(in: model.auditRecord)
        #expect(found.contains { $0.invariant == 6 && $0.detail.contains("held money went negative") })

        var orphan = ModelLedger()
        try orphan.apply(.grant(Money(dollars: 1)))
        orphan.transactions.append(
            .chained(
                id: TransactionID("tx_orphan")!, projectID: orphan.project, sequence: 2, kind: .clear,
                idempotencyKey: "orphan", keyID: nil, donationID: nil, sessionID: nil, memo: "",
                createdAt: Timestamp(microsSinceEpoch: 9),
                postings: [
                    Posting(.available(orphan.project), Money(dollars: -1)),
                    Posting(.held(orphan.project), Money(dollars: 1)),
                ],
                previousHash: orphan.transactions[0].hash))
        #expect(
            LedgerAudit.violations(in: orphan.auditRecord).contains {
                $0.invariant == 1 && $0.detail.contains("without naming a donation")
            })
    }

    @Test("debt caused by anything but a refund or a spend is named (6)")
    func unexplainedDebt() throws {
        var model = ModelLedger()
        try model.apply(.grant(Money(dollars: 1)))
        let project = model.project
        let key = KeyID("ck_x")!
        model.keys[key] = ModelLedger.Key(state: .provisioning, limit: Money(dollars: 2))
        model.keyOrder.append(key)
        // Bypass the rules: a reserve larger than available.
        model.transactions.append(
            .chained(
                id: TransactionID("tx_bad")!, projectID: project, sequence: 2, kind: .reserve, idempotencyKey: "bad",
                keyID: key, donationID: nil, sessionID: nil, memo: "", createdAt: Timestamp(microsSinceEpoch: 9),
                postings: [
                    Posting(.available(project), Money(dollars: -2)), Posting(.reserved(key), Money(dollars: 2)),
                ],
                previousHash: model.transactions[0].hash))
        model.available = Money(dollars: -1)
        model.keys[key]!.reserved = Money(dollars: 2)
        let found = LedgerAudit.violations(in: model.auditRecord)
        #expect(found.map(\.invariant) == [6])
        #expect(found.first?.transaction == TransactionID("tx_bad"))
    }

    @Test("a posting to another project's account is named (1)")
    func foreignAccount() throws {
        let found = try violations { model in
            replace(&model, at: 0) { tx in
                copy(
                    tx,
                    postings: [tx.postings[0], Posting(.available(ProjectID("prj_other")!), tx.postings[1].amount)],
                    rehash: true)
            }
        }
        #expect(found.contains { $0.invariant == 1 && $0.detail.contains("another project") })
    }
}
