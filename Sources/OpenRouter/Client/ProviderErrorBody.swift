import Foundation

/// Reads the message out of an error answer in either shape the provider uses:
/// OpenRouter's `{"error":{"code":…,"message":…}}` or Anthropic's `{"type":"error","error":{"message":…}}`.
enum ProviderErrorBody {
    private struct Envelope: Decodable {
        struct Detail: Decodable { var message: String? }
        var error: Detail?
        var message: String?
    }

    static func message(from body: [UInt8], status: Int) -> String {
        if let envelope = try? JSONDecoder().decode(Envelope.self, from: Data(body)),
            let message = envelope.error?.message ?? envelope.message, !message.isEmpty
        {
            return message
        }
        let text = String(decoding: body.prefix(300), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? "HTTP \(status) with no message" : text
    }
}
