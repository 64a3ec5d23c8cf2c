import Foundation
import OpubCore
import OpubStore

/// A project as the directory, the landing page and `/me` list it.
struct ProjectCardView: Sendable {
    let fullName: String
    let path: String
    let claimed: Bool
    let suspended: Bool
    let balance: String
    let available: String
    let donated: String
    let spent: String

    init(_ summary: ProjectSummary) {
        fullName = summary.record.name.description
        path = WebProject.path(summary.record.name)
        claimed = summary.record.isClaimed
        suspended = summary.record.suspendedAt != nil
        balance = summary.balance.formatted()
        available = summary.available.formatted()
        donated = summary.donated.formatted()
        spent = summary.spent.formatted()
    }
}

/// A completed donation as the public sees it: the public attribution only (a display name or
/// "Anonymous", and the donor's message), never who paid or how.
struct PublicDonationView: Sendable {
    let donor: String
    let anonymous: Bool
    let amount: String
    let refunded: String?
    let message: String?
    let when: TimeView?

    init(_ record: DonationRecord) {
        anonymous = record.isAnonymous
        donor = record.displayName ?? "Anonymous"
        amount = record.credited.formatted()
        refunded = record.refunded.isPositive ? record.refunded.formatted() : nil
        message = record.message
        when = record.completedAt.map { TimeView($0, precise: false) }
    }
}

/// Linked spend coverage over a period, with the bar's width (0–100).
struct CoverageView: Sendable {
    let percent: String
    let barWidth: String
    let linked: String
    let total: String

    /// Nil when nothing was spent (coverage is undefined, not 0 %).
    init?(linked: Money, total: Money) {
        guard total.isPositive else { return nil }
        let fraction = max(0, min(1, Double(linked.micros) / Double(total.micros)))
        percent = WebFormat.percent(fraction)
        barWidth = String(format: "%.1f", fraction * 100)
        self.linked = linked.formattedPrecise()
        self.total = total.formattedPrecise()
    }
}
