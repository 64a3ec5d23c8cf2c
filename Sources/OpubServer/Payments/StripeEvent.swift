import Foundation
import OpubCore
import OpubSurfaces

/// A Stripe event, read after its signature was verified: `{id, type, created, data: {object}}`.
struct StripeEvent: Sendable {
    let id: String
    let type: String
    let object: [String: JSONValue]

    init(payload: [UInt8]) throws(APIError) {
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(payload)),
            let event = value.dictionaryValue, case .string(let id)? = event["id"], !id.isEmpty, id.count <= 255,
            case .string(let type)? = event["type"], let object = event["data"]?["object"]?.dictionaryValue
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
        if case .string(let text)? = object[key] { return text }
        guard let expanded = object[key]?.dictionaryValue else { return nil }
        return string("id", in: expanded)
    }

    /// A whole-number amount in cents.
    func cents(_ key: String, in object: [String: JSONValue]? = nil) -> Int64? {
        guard let value = (object ?? self.object)[key]?.doubleValue, value >= 0, value < 1e13,
            value == value.rounded()
        else { return nil }
        return Int64(value)
    }

    func dictionary(_ key: String) -> [String: JSONValue]? {
        object[key]?.dictionaryValue
    }

    /// The donation a checkout session is for: `metadata.donation_id`, else `client_reference_id`.
    var donationID: DonationID? {
        let text = dictionary("metadata").flatMap { string("donation_id", in: $0) } ?? string("client_reference_id")
        return text.flatMap(DonationID.init)
    }
}
