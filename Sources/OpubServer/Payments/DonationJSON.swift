import OpubStore

/// A donation as the public sees it: amount and public attribution only, never payer data.
struct PublicDonationJSON: Encodable {
    let id: String
    let amount: AmountJSON
    let refunded: AmountJSON
    let anonymous: Bool
    @NullEncoded var displayName: String?
    @NullEncoded var message: String?
    @NullEncoded var completedAt: String?

    init(_ record: DonationRecord) {
        id = record.id.rawValue
        amount = AmountJSON(record.credited)
        refunded = AmountJSON(record.refunded)
        anonymous = record.isAnonymous
        displayName = record.displayName
        message = record.message
        completedAt = record.completedAt?.iso8601
    }

    enum CodingKeys: String, CodingKey {
        case id, amount, refunded, anonymous
        case displayName = "display_name"
        case message
        case completedAt = "completed_at"
    }
}

/// A donation as its donor sees it: status and attribution (still no billing e-mail or Stripe ids).
struct MyDonationJSON: Encodable {
    let id: String
    let project: String
    let status: String
    let amount: AmountJSON
    let credited: AmountJSON
    let refunded: AmountJSON
    let anonymous: Bool
    @NullEncoded var displayName: String?
    @NullEncoded var message: String?
    let createdAt: String
    @NullEncoded var completedAt: String?

    init(_ record: DonationRecord, project: String) {
        id = record.id.rawValue
        self.project = project
        status = record.status.rawValue
        amount = AmountJSON(record.amount)
        credited = AmountJSON(record.credited)
        refunded = AmountJSON(record.refunded)
        anonymous = record.isAnonymous
        displayName = record.displayName
        message = record.message
        createdAt = record.createdAt.iso8601
        completedAt = record.completedAt?.iso8601
    }

    enum CodingKeys: String, CodingKey {
        case id, project, status, amount, credited, refunded, anonymous
        case displayName = "display_name"
        case message
        case createdAt = "created_at"
        case completedAt = "completed_at"
    }
}

/// The answer to creating a donation: where to pay.
struct CheckoutJSON: Encodable {
    let donationID: String
    let checkoutURL: String

    enum CodingKeys: String, CodingKey {
        case donationID = "donation_id"
        case checkoutURL = "checkout_url"
    }
}
