import OpubCore
import SQLKit

/// A donation's lifecycle: `pending` until Stripe says paid (`completed`) or failed/expired (`failed`).
public enum DonationStatus: String, Sendable, Hashable, CaseIterable {
    case pending
    case completed
    case failed
}

/// A donation row. ``billingEmail`` and the Stripe ids are private payer data: they never appear
/// in a public response.
public struct DonationRecord: Sendable, Hashable {
    public let id: DonationID
    public let projectID: ProjectID
    public let userID: UserID?
    public let status: DonationStatus
    /// What the donor asked to give.
    public let amount: Money
    /// What the ledger credited (the amount before tax), once completed.
    public let credited: Money
    public let refunded: Money
    /// Public attribution: nil when anonymous.
    public let displayName: String?
    public let isAnonymous: Bool
    public let message: String?
    public let billingEmail: String?
    public let checkoutSessionID: String?
    public let paymentIntentID: String?
    public let checkoutURL: String?
    public let createdAt: Timestamp
    public let completedAt: Timestamp?
    public let failedAt: Timestamp?

    init(row: any SQLRow) throws {
        let idText = try row.decode(column: "id", as: String.self)
        guard let id = DonationID(idText),
            let project = ProjectID(try row.decode(column: "project_id", as: String.self))
        else { throw StoreError.corrupt("donation '\(idText)' has a malformed id or project") }
        self.id = id
        self.projectID = project
        self.userID = try row.decode(column: "user_id", as: String?.self).flatMap(UserID.init)
        let status = try row.decode(column: "status", as: String.self)
        guard let parsed = DonationStatus(rawValue: status) else {
            throw StoreError.corrupt("donation \(idText) has status '\(status)'")
        }
        self.status = parsed
        self.amount = Money(micros: try row.decode(column: "amount_micros", as: Int64.self))
        self.credited = Money(micros: try row.decode(column: "credited_micros", as: Int64.self))
        self.refunded = Money(micros: try row.decode(column: "refunded_micros", as: Int64.self))
        self.isAnonymous = try row.decode(column: "is_anonymous", as: Int.self) != 0
        self.displayName = isAnonymous ? nil : try row.decode(column: "display_name", as: String?.self)
        self.message = try row.decode(column: "message", as: String?.self)
        self.billingEmail = try row.decode(column: "billing_email", as: String?.self)
        self.checkoutSessionID = try row.decode(column: "stripe_checkout_session_id", as: String?.self)
        self.paymentIntentID = try row.decode(column: "stripe_payment_intent_id", as: String?.self)
        self.checkoutURL = try row.decode(column: "checkout_url", as: String?.self)
        self.createdAt = Timestamp(microsSinceEpoch: try row.decode(column: "created_at", as: Int64.self))
        self.completedAt = try row.decode(column: "completed_at", as: Int64?.self).map(
            Timestamp.init(microsSinceEpoch:))
        self.failedAt = try row.decode(column: "failed_at", as: Int64?.self).map(Timestamp.init(microsSinceEpoch:))
    }
}
