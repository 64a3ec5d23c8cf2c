import OpubStore

/// A donation as the public sees it: amount and public attribution only, never payer data.
struct PublicDonationJSON: Encodable {
    let id: String
    let amount: AmountJSON
    let refunded: AmountJSON
    let anonymous: Bool
    let displayName: String?
    let message: String?
    let completedAt: String?

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

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(amount, forKey: .amount)
        try container.encode(refunded, forKey: .refunded)
        try container.encode(anonymous, forKey: .anonymous)
        try container.encode(displayName, forKey: .displayName)
        try container.encode(message, forKey: .message)
        try container.encode(completedAt, forKey: .completedAt)
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
    let displayName: String?
    let message: String?
    let createdAt: String
    let completedAt: String?

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

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(project, forKey: .project)
        try container.encode(status, forKey: .status)
        try container.encode(amount, forKey: .amount)
        try container.encode(credited, forKey: .credited)
        try container.encode(refunded, forKey: .refunded)
        try container.encode(anonymous, forKey: .anonymous)
        try container.encode(displayName, forKey: .displayName)
        try container.encode(message, forKey: .message)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(completedAt, forKey: .completedAt)
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
