import OpenRouter
import OpubCore
import OpubSurfaces

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
    /// When the key's guardrail was assigned (for the assignment listings).
    var guardrailAssignedAt: Timestamp?
    /// The workspace the key was created in; nil means the account's default workspace.
    var workspaceID: String?
    /// The last inference request the key made.
    var lastUsedAt: Timestamp?
    /// Charged to OpenRouter credits, as enforcement sees it.
    var usage = UsageCounters()
    /// Charged through the account's own provider keys (BYOK); nil until the first such charge.
    var byokUsage: UsageCounters?
    /// Charges not yet visible on `/keys` under the usage-lag fault.
    var unreported: [PendingCharge] = []

    struct PendingCharge: Sendable, Codable {
        var amount: NanoUSD
        var at: Timestamp
        var byok: Bool?
    }

    /// Credit and BYOK usage together.
    struct Usage: Sendable {
        var credits: UsageCounters
        var byok: UsageCounters

        /// What a cap counts in `reset`'s window: credits, plus BYOK usage when it is included.
        func counted(in reset: KeyLimitReset?, at now: Timestamp, includeBYOK: Bool) -> NanoUSD {
            credits.usage(in: reset, at: now) + (includeBYOK ? byok.usage(in: reset, at: now) : .zero)
        }
    }

    var actualUsage: Usage { Usage(credits: usage, byok: byokUsage ?? UsageCounters()) }

    func isExpired(at now: Timestamp) -> Bool { expiresAt.map { $0 <= now } ?? false }

    /// What is left of the limit in the current window, from actual usage; nil when unlimited.
    func remaining(at now: Timestamp) -> NanoUSD? {
        limit.map { $0 - actualUsage.counted(in: limitReset, at: now, includeBYOK: includeBYOKInLimit) }
    }

    mutating func charge(_ amount: NanoUSD, byok: Bool = false, at now: Timestamp, reportLagSeconds: Int) {
        if byok {
            var counters = byokUsage ?? UsageCounters()
            counters.add(amount, at: now)
            byokUsage = counters
        } else {
            usage.add(amount, at: now)
        }
        if reportLagSeconds > 0 { unreported.append(PendingCharge(amount: amount, at: now, byok: byok)) }
    }

    /// Usage as `/keys` reports it: charges younger than the lag are left out.
    func reportedUsage(at now: Timestamp, reportLagSeconds: Int) -> Usage {
        var counters = actualUsage
        for pending in unreported where pending.at.adding(seconds: Int64(reportLagSeconds)) > now {
            if pending.byok == true {
                counters.byok.hide(pending.amount, chargedAt: pending.at, now: now)
            } else {
                counters.credits.hide(pending.amount, chargedAt: pending.at, now: now)
            }
        }
        return counters
    }

    mutating func forgetReportedCharges(at now: Timestamp, reportLagSeconds: Int) {
        unreported.removeAll { $0.at.adding(seconds: Int64(reportLagSeconds)) <= now }
    }

    /// The usage and limit fields shared by the key object and `GET /key`. `limit_remaining` is not
    /// clamped: an overspent key reports a negative number, as the real service does.
    func usageFields(at now: Timestamp, reportLagSeconds: Int) -> [(String, JSONValue)] {
        let reported = reportedUsage(at: now, reportLagSeconds: reportLagSeconds)
        let remaining = limit.map {
            $0 - reported.counted(in: limitReset, at: now, includeBYOK: includeBYOKInLimit)
        }
        return [
            ("limit", limit?.json ?? .null),
            ("limit_remaining", remaining?.json ?? .null),
            ("limit_reset", .optionalString(limitReset?.rawValue)),
            ("include_byok_in_limit", .bool(includeBYOKInLimit)),
            ("usage", reported.credits.total.json),
            ("usage_daily", reported.credits.usage(in: .daily, at: now).json),
            ("usage_weekly", reported.credits.usage(in: .weekly, at: now).json),
            ("usage_monthly", reported.credits.usage(in: .monthly, at: now).json),
            ("byok_usage", reported.byok.total.json),
            ("byok_usage_daily", reported.byok.usage(in: .daily, at: now).json),
            ("byok_usage_weekly", reported.byok.usage(in: .weekly, at: now).json),
            ("byok_usage_monthly", reported.byok.usage(in: .monthly, at: now).json),
        ]
    }

    /// The key object of the management API.
    func json(at now: Timestamp, reportLagSeconds: Int, defaultWorkspaceID: String) -> JSONValue {
        .object(
            [
                ("hash", .string(hash)),
                ("name", .string(name)),
                ("label", .string(label)),
                ("disabled", .bool(disabled)),
            ] + usageFields(at: now, reportLagSeconds: reportLagSeconds) + [
                ("created_at", .string(ProviderTimestamp.formatWithOffset(createdAt))),
                ("updated_at", .optionalString(updatedAt.map(ProviderTimestamp.formatWithOffset))),
                ("expires_at", .optionalString(expiresAt.map(ProviderTimestamp.formatZulu))),
                ("creator_user_id", .null),
                ("workspace_id", .string(workspaceID ?? defaultWorkspaceID)),
                ("external_user", .null),
                ("last_used_at", .optionalString(lastUsedAt.map(ProviderTimestamp.formatWithOffset))),
            ])
    }
}
