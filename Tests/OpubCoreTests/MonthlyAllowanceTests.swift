import PropertyBased
import Testing

@testable import OpubCore

@Suite("Monthly allowance")
struct MonthlyAllowanceTests {
    @Test("property: a rollover reserves at most the allowance and at most what there is, never negative")
    func reservation() async {
        await propertyCheck(count: 500, input: Gen.int(in: 0...Int(Int32.max)).array(of: 3...3)) { values in
            let allowance = Money(cents: Int64(values[0] % 1_000_000) + 1)
            let unspent = Money(cents: Int64(values[1] % 1_000_000))
            // Available may be negative (a project in debt).
            let available = Money(cents: Int64(values[2] % 2_000_000) - 1_000_000)
            let reserved = MonthlyAllowance.reservation(allowance: allowance, unspent: unspent, available: available)
            #expect(!reserved.isNegative && reserved <= allowance)
            // What the project has after the release covers it: available never goes below where it was
            // (or below zero when it was not negative).
            let after = available + unspent - reserved
            #expect(after >= min(available, .zero) || reserved == .zero)
            #expect(!available.isNegative ? !after.isNegative : true)
            // The full allowance whenever the project can afford it.
            if available + unspent >= allowance { #expect(reserved == allowance) }
        }
        #expect(
            MonthlyAllowance.reservation(allowance: Money(dollars: 5), unspent: Money(dollars: 1), available: .zero)
                == Money(dollars: 1))
        #expect(
            MonthlyAllowance.reservation(
                allowance: Money(dollars: 5), unspent: .zero, available: Money(dollars: -3)) == .zero)
    }

    @Test("property: a rotation moves at most what the old key held, never into debt, never below zero")
    func rotationTransfer() async {
        await propertyCheck(count: 500, input: Gen.int(in: 0...Int(Int32.max)).array(of: 2...2)) { values in
            let held = Money(cents: Int64(values[0] % 1_000_000))
            // Available after the release includes what was released, unless the project was in debt.
            let available = held + Money(cents: Int64(values[1] % 2_000_000) - 1_000_000)
            let moved = KeyRotation.transfer(released: held, availableAfterRelease: available)
            #expect(!moved.isNegative && moved <= held)
            #expect(available - moved >= min(available, .zero))
            if !(available - held).isNegative { #expect(moved == held) }
        }
    }

    @Test("rotation is refused for a key that is not active, expired, in progress, or a project in debt or suspended")
    func rotationRefusals() throws {
        let now = Timestamp(microsSinceEpoch: 1_000_000_000_000)
        func check(
            _ state: ComputeKeyState = .active, expires: Timestamp? = nil, successor: KeyID? = nil,
            suspended: Bool = false,
            available: Money = Money(dollars: 1)
        ) throws(KeyRotation.Refusal) {
            try KeyRotation.check(
                state: state, expiresAt: expires, successorInProgress: successor, projectSuspended: suspended,
                projectAvailable: available, now: now)
        }
        try check()
        #expect(throws: KeyRotation.Refusal.notActive(.provisioning)) { try check(.provisioning) }
        #expect(throws: KeyRotation.Refusal.expired) { try check(expires: now) }
        #expect(throws: KeyRotation.Refusal.inProgress(KeyID("ck_next")!)) { try check(successor: KeyID("ck_next")!) }
        #expect(throws: KeyRotation.Refusal.projectSuspended) { try check(suspended: true) }
        #expect(throws: KeyRotation.Refusal.projectInDebt) { try check(available: Money(cents: -1)) }
    }

    @Test("months: parsed, ordered, and renewed on the first of the next one")
    func months() {
        #expect(AllowanceMonth("2026-12")?.renewsOn.iso8601 == "2027-01-01")
        #expect(AllowanceMonth("2027-02")?.renewsOn.iso8601 == "2027-03-01")
        #expect(AllowanceMonth("2027-13") == nil && AllowanceMonth("27-01") == nil)
        #expect(AllowanceMonth("2026-12")! < AllowanceMonth("2027-01")!)
        #expect(AllowanceMonth(CivilDate(year: 2027, month: 3, day: 31).start).description == "2027-03")
    }
}
