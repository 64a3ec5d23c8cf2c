import Foundation
import OpubCore

/// A Stripe event, read after its signature was verified: `{id, type, created, data: {object}}`.
struct StripeEvent: Sendable {
    let id: String
    let type: String
    let object: [String: JSONValue]

    init(payload: [UInt8]) throws(APIError) {
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(payload)),
            case .object(let event) = value, case .string(let id)? = event["id"], !id.isEmpty, id.count <= 255,
            case .string(let type)? = event["type"], case .object(let data)? = event["data"],
            case .object(let object)? = data["object"]
        else {
            throw .badRequest(
                "malformed_event", "The event is not a Stripe event object with id, type and data.object.")
        }
        self.id = id
        self.type = type
        self.object = object
    }

    func string(_ key: String, in object: [String: JSONValue]? = nil) -> String? {
        if case .string(let text)? = (object ?? self.object)[key] { return text }
        return nil
    }

    /// An id field that Stripe may send as a string or as an expanded object with `id`.
    func reference(_ key: String) -> String? {
        switch object[key] {
        case .string(let text)?: return text
        case .object(let expanded)?: return string("id", in: expanded)
        default: return nil
        }
    }

    /// A whole-number amount in cents.
    func cents(_ key: String, in object: [String: JSONValue]? = nil) -> Int64? {
        guard case .number(let value)? = (object ?? self.object)[key], value >= 0, value < 1e13,
            value == value.rounded()
        else { return nil }
        return Int64(value)
    }

    func dictionary(_ key: String) -> [String: JSONValue]? {
        if case .object(let value)? = object[key] { return value }
        return nil
    }

    /// The donation a checkout session is for: `metadata.donation_id`, else `client_reference_id`.
    var donationID: DonationID? {
        let text = dictionary("metadata").flatMap { string("donation_id", in: $0) } ?? string("client_reference_id")
        return text.flatMap(DonationID.init)
    }
}
