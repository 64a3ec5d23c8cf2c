import OpubSurfaces

/// Splits an answer into the pieces a stream sends: about three words each, spaces kept, so the pieces
/// concatenate to the full text.
enum TextChunks {
    static func split(_ text: String) -> [String] {
        guard !text.isEmpty else { return [] }
        var pieces: [String] = []
        var current = ""
        var words = 0
        for character in text {
            current.append(character)
            if character == " " {
                words += 1
                if words == 3 {
                    pieces.append(current)
                    current = ""
                    words = 0
                }
            }
        }
        if !current.isEmpty { pieces.append(current) }
        return pieces
    }

    static func sse(_ value: JSONValue) -> String { "data: \(value.rendered(escaping: .minimal))\n\n" }

    static func event(_ name: String, _ value: JSONValue) -> String {
        "event: \(name)\ndata: \(value.rendered(escaping: .minimal))\n\n"
    }
}
