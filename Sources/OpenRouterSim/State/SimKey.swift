import OpenRouter
import OpubCore

/// A key the simulator holds. Only the hash and label of the secret are kept.
struct SimKey: Sendable, Codable {
    var hash: String
    var label: String
    var name: String
    /// Creation order; newest first in listings.
    var sequence: Int
    var disabled = false
    var limit: NanoUSD?
    var limitReset: KeyLimitReset?
    var includeBYOKInLimit = false
    var createdAt: Timestamp
    var updatedAt: Timestamp?
    var expiresAt: Timestamp?
    var guardrailID: String?
    /// Everything charged, as enforcement sees it.
    var usage = UsageCounters()
    /// Charges not yet visible on `/keys` under the usage-lag fault.
    var unreported: [PendingCharge] = []

    struct PendingCharge: Sendable, Codable {
        var amount: NanoUSD
        var at: Timestamp
    }

    func isExpired(at now: Timestamp) -> Bool { expiresAt.map { $0 <= now } ?? false }

    /// What is left of the limit in the current window, from actual usage; nil when unlimited.
    func remaining(at now: Timestamp) -> NanoUSD? {
        limit.map { $0 - usage.usage(in: limitReset, at: now) }
    }

    mutating func charge(_ amount: NanoUSD, at now: Timestamp, reportLagSeconds: Int) {
        usage.add(amount, at: now)
        if reportLagSeconds > 0 { unreported.append(PendingCharge(amount: amount, at: now)) }
    }

    /// Usage as `/keys` reports it: charges younger than the lag are left out.
    func reportedUsage(at now: Timestamp, reportLagSeconds: Int) -> UsageCounters {
        var counters = usage
        for pending in unreported where pending.at.adding(seconds: Int64(reportLagSeconds)) > now {
            counters.hide(pending.amount, chargedAt: pending.at, now: now)
        }
        return counters
    }

    mutating func forgetReportedCharges(at now: Timestamp, reportLagSeconds: Int) {
        unreported.removeAll { $0.at.adding(seconds: Int64(reportLagSeconds)) <= now }
    }

    /// The key object of the management API.
    func json(at now: Timestamp, reportLagSeconds: Int, workspaceID: String) -> JSONValue {
        let reported = reportedUsage(at: now, reportLagSeconds: reportLagSeconds)
        let remaining = limit.map { max(.zero, $0 - reported.usage(in: limitReset, at: now)) }
        return .object([
            ("hash", .string(hash)),
            ("name", .string(name)),
            ("label", .string(label)),
            ("disabled", .bool(disabled)),
            ("limit", limit?.json ?? .null),
            ("limit_remaining", remaining?.json ?? .null),
            ("limit_reset", .optionalString(limitReset?.rawValue)),
            ("include_byok_in_limit", .bool(includeBYOKInLimit)),
            ("usage", reported.total.json),
            ("usage_daily", reported.usage(in: .daily, at: now).json),
            ("usage_weekly", reported.usage(in: .weekly, at: now).json),
            ("usage_monthly", reported.usage(in: .monthly, at: now).json),
            ("byok_usage", .int(0)),
            ("byok_usage_daily", .int(0)),
            ("byok_usage_weekly", .int(0)),
            ("byok_usage_monthly", .int(0)),
            ("created_at", .string(ProviderTimestamp.formatWithOffset(createdAt))),
            ("updated_at", .optionalString(updatedAt.map(ProviderTimestamp.formatWithOffset))),
            ("expires_at", .optionalString(expiresAt.map(ProviderTimestamp.formatZulu))),
            ("creator_user_id", .null),
            ("workspace_id", .string(workspaceID)),
        ])
    }
}
