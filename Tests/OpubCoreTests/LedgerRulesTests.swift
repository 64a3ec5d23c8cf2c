import OpubTestSupport
import PropertyBased
import Testing

@testable import OpubCore

@Suite("Ledger rules")
struct LedgerRulesTests {
    let project = ProjectID("prj_p")!
    let key = KeyID("ck_k")!
    let donation = DonationID("don_d")!

    func dollars(_ value: Int64) -> Money { Money(dollars: value) }

    @Test("every kind produces balanced postings on the right accounts")
    func kinds() throws {
        let position = LedgerPosition(available: dollars(10), keyReserved: dollars(3))
        let cases: [(LedgerIntent, [Posting])] = [
            (
                .donation(donation, amount: dollars(5), fee: .zero),
                [Posting(.donations, dollars(-5)), Posting(.available(project), dollars(5))]
            ),
            (
                .donation(donation, amount: dollars(5), fee: dollars(1)),
                [
                    Posting(.donations, dollars(-5)), Posting(.available(project), dollars(4)),
                    Posting(.fees, dollars(1)),
                ]
            ),
            (.grant(amount: dollars(2)), [Posting(.grants, dollars(-2)), Posting(.available(project), dollars(2))]),
            (
                .refund(donation, amount: dollars(2)),
                [Posting(.available(project), dollars(-2)), Posting(.donations, dollars(2))]
            ),
            (
                .reserve(key, amount: dollars(10)),
                [Posting(.available(project), dollars(-10)), Posting(.reserved(key), dollars(10))]
            ),
            (.spend(key, amount: dollars(2)), [Posting(.reserved(key), dollars(-2)), Posting(.provider, dollars(2))]),
            (
                .release(key, amount: dollars(3)),
                [Posting(.reserved(key), dollars(-3)), Posting(.available(project), dollars(3))]
            ),
        ]
        for (intent, expected) in cases {
            let postings = try LedgerRules.postings(for: intent, project: project, position: position)
            #expect(postings == expected, "\(intent)")
            #expect(postings.map(\.amount).sum() == .zero)
        }
    }

    @Test("a spend beyond the reservation debits available (overshoot)")
    func overshoot() throws {
        let position = LedgerPosition(available: dollars(1), keyReserved: dollars(2))
        let postings = try LedgerRules.postings(
            for: .spend(key, amount: dollars(5)), project: project, position: position)
        #expect(
            postings == [
                Posting(.reserved(key), dollars(-2)), Posting(.available(project), dollars(-3)),
                Posting(.provider, dollars(5)),
            ])
        let after = LedgerRules.applying(postings, to: position)
        #expect(after.available == dollars(-2))
        #expect(after.keyReserved == .zero)
    }

    @Test("a late charge on a released key comes entirely from available")
    func lateCharge() throws {
        let postings = try LedgerRules.postings(
            for: .spend(key, amount: dollars(1)), project: project, position: LedgerPosition(available: dollars(4)))
        #expect(postings == [Posting(.available(project), dollars(-1)), Posting(.provider, dollars(1))])
    }

    @Test("a reserve larger than available is refused")
    func insufficient() {
        #expect(throws: LedgerRuleError.insufficientAvailable(available: dollars(3), requested: dollars(4))) {
            try LedgerRules.postings(
                for: .reserve(key, amount: dollars(4)), project: project,
                position: LedgerPosition(available: dollars(3)))
        }
        #expect(throws: LedgerRuleError.insufficientAvailable(available: dollars(-1), requested: dollars(1))) {
            try LedgerRules.postings(
                for: .reserve(key, amount: dollars(1)), project: project,
                position: LedgerPosition(available: dollars(-1)))
        }
    }

    @Test("non-positive amounts, oversized fees and over-releases are refused")
    func refusals() {
        #expect(throws: LedgerRuleError.nonPositiveAmount(.grant, .zero)) {
            try LedgerRules.postings(
                for: .grant(amount: .zero), project: project, position: LedgerPosition(available: .zero))
        }
        #expect(throws: LedgerRuleError.nonPositiveAmount(.refund, dollars(-1))) {
            try LedgerRules.postings(
                for: .refund(nil, amount: dollars(-1)), project: project, position: LedgerPosition(available: .zero))
        }
        #expect(throws: LedgerRuleError.feeNotBelowAmount(amount: dollars(1), fee: dollars(1))) {
            try LedgerRules.postings(
                for: .donation(donation, amount: dollars(1), fee: dollars(1)), project: project,
                position: LedgerPosition(available: .zero))
        }
        #expect(throws: LedgerRuleError.releaseExceedsReservation(reserved: dollars(1), requested: dollars(2))) {
            try LedgerRules.postings(
                for: .release(key, amount: dollars(2)), project: project,
                position: LedgerPosition(available: .zero, keyReserved: dollars(1)))
        }
    }

    @Test("a held donation credits held (its fee still goes to fees); clear moves at most what is held")
    func heldDonations() throws {
        let held = Account.held(project)
        #expect(
            try LedgerRules.postings(
                for: .heldDonation(donation, amount: dollars(5), fee: dollars(1)), project: project,
                position: LedgerPosition(available: .zero))
                == [Posting(.donations, dollars(-5)), Posting(held, dollars(4)), Posting(.fees, dollars(1))])
        let holding = LedgerPosition(available: dollars(-2), donationHeld: dollars(4))
        let clear = try LedgerRules.postings(
            for: .clear(donation, amount: dollars(4)), project: project, position: holding)
        #expect(clear == [Posting(held, dollars(-4)), Posting(.available(project), dollars(4))])
        #expect(LedgerRules.applying(clear, to: holding) == LedgerPosition(available: dollars(2), donationHeld: .zero))
        #expect(throws: LedgerRuleError.clearExceedsHeld(held: dollars(4), requested: dollars(5))) {
            try LedgerRules.postings(for: .clear(donation, amount: dollars(5)), project: project, position: holding)
        }
    }

    @Test("a refund takes what is still held of its donation first, then available (which may go into debt)")
    func refundOfHeldDonation() throws {
        let held = Account.held(project)
        let position = LedgerPosition(available: dollars(1), donationHeld: dollars(3))
        #expect(
            try LedgerRules.postings(for: .refund(donation, amount: dollars(2)), project: project, position: position)
                == [Posting(held, dollars(-2)), Posting(.donations, dollars(2))])
        let split = try LedgerRules.postings(
            for: .refund(donation, amount: dollars(5)), project: project, position: position)
        #expect(
            split == [
                Posting(held, dollars(-3)), Posting(.available(project), dollars(-2)), Posting(.donations, dollars(5)),
            ])
        #expect(
            LedgerRules.applying(split, to: position) == LedgerPosition(available: dollars(-1), donationHeld: .zero))
    }

    @Test("property: project totals from postings always balance with their sources")
    func totalsBalance() async {
        await propertyCheck(count: 200, input: Gen.int(in: 0...Int(Int32.max)).array(of: 1...80)) { seeds in
            var model = ModelLedger()
            for seed in seeds { _ = try? model.apply(MoneyStep(seed: seed)) }
            let totals = ProjectTotals.of(model.transactions)
            #expect(totals.balance == totals.balanceFromSources)
            #expect(totals.available == model.available)
            #expect(totals.held == model.donations.map(\.held).sum())
            #expect(totals.reserved == model.keys.values.map(\.reserved).sum())
            #expect(!totals.held.isNegative)
        }
    }

    @Test("property: checkReserve is exactly the reserve rule of postings")
    func reserveRule() async {
        await propertyCheck(
            count: 300, input: Gen.int(in: -5_000_000...5_000_000), Gen.int(in: -5_000_000...5_000_000)
        ) { amountMicros, availableMicros in
            let amount = Money(micros: Int64(amountMicros))
            let available = Money(micros: Int64(availableMicros))
            let byCheck = Result { () throws(LedgerRuleError) in
                try LedgerRules.checkReserve(amount, available: available)
            }
            let byPostings = Result { () throws(LedgerRuleError) in
                _ = try LedgerRules.postings(
                    for: .reserve(key, amount: amount), project: project, position: LedgerPosition(available: available)
                )
            }
            switch (byCheck, byPostings) {
            case (.success, .success): #expect(amount.isPositive && amount <= available)
            case (.failure(let one), .failure(let other)): #expect(one == other)
            default: Issue.record("checkReserve and postings disagree on \(amount) of \(available)")
            }
        }
    }

    @Test("property: a live key's remaining is its limit less its spend, never negative; a disabled key has none")
    func remaining() async {
        await propertyCheck(
            count: 300, input: Gen.int(in: 0...50_000_000), Gen.int(in: 0...80_000_000), Gen.int(in: 0...2)
        ) { limitMicros, spentMicros, which in
            let limit = Money(micros: Int64(limitMicros))
            let spent = Money(micros: Int64(spentMicros))
            let state: ComputeKeyState = [.provisioning, .active, .disabled(.revoked, .disabledAtProvider)][which]
            let remaining = state.remaining(limit: limit, spent: spent)
            #expect(!remaining.isNegative)
            if state.reason == nil {
                #expect(remaining == (spent >= limit ? .zero : limit - spent))
            } else {
                #expect(remaining == .zero)
            }
        }
    }
}
