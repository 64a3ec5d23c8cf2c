import OpubCore
import SQLKit

extension KeyStore {
    /// Active monthly allowance keys still holding a month before `month`, oldest month first.
    public func allowanceDue(before month: AllowanceMonth, limit: Int = 1_000) async throws -> [ComputeKeyRecord] {
        try await store.engine.read { db in
            try await db.raw(
                """
                SELECT * FROM compute_keys
                WHERE allowance_micros IS NOT NULL AND allowance_month < \(bind: month.description)
                AND status = 'active' ORDER BY allowance_month, id LIMIT \(bind: max(limit, 0))
                """
            ).all().map(ComputeKeyRecord.init)
        }
    }
}

extension ProjectWrite {
    /// The monthly rollover of an allowance key (``MonthlyAllowance``), in this locked transaction:
    /// releases last month's unspent reservation, reserves min(allowance, available) for `month`, and
    /// sets the effective limit to spend + that. Nil (nothing written) when the key is not an active
    /// allowance key holding an earlier month. Idempotent per key and month.
    public func rollOverAllowance(_ id: KeyID, into month: AllowanceMonth) async throws -> ComputeKeyRecord? {
        let current = try await key(id)
        guard current.state == .active, let allowance = current.allowance, let held = current.allowanceMonth,
            held < month
        else { return nil }
        if current.reserved.isPositive {
            _ = try await post(
                .release(id, amount: current.reserved), idempotencyKey: "allowance-release:\(id.rawValue):\(month)",
                memo: "Unspent allowance of key \(current.name) for \(held)")
        }
        let reserve = MonthlyAllowance.reservation(
            allowance: allowance, unspent: .zero, available: try await currentAvailable())
        try await sql.raw(
            """
            UPDATE compute_keys SET limit_micros = spent_micros + \(bind: reserve.micros),
                allowance_month = \(bind: month.description)
            WHERE id = \(bind: id.rawValue)
            """
        ).run()
        if reserve.isPositive {
            _ = try await post(
                .reserve(id, amount: reserve), idempotencyKey: "allowance:\(id.rawValue):\(month)",
                memo: "Allowance of key \(current.name) for \(month)")
        }
        return try await key(id)
    }
}
