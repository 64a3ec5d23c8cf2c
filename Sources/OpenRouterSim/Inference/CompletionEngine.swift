import Crypto

/// The simulator's "model": deterministic text and token counts, so that the same prompt, model and
/// seed always give the same answer and the same cost.
///
/// Tokens are counted as ⌈UTF-8 bytes ÷ 4⌉ per text. A prompt costs 4 tokens per message plus its text.
/// The answer's length is 8–63 tokens, derived from the prompt, unless the prompt contains
/// `[sim:tokens=N]`, which asks for exactly N completion tokens; `max_tokens` caps it either way
/// (finish reason `length`).
struct CompletionEngine: Sendable {
    var seed: UInt64

    struct Completion: Sendable {
        var text: String
        var completionTokens: Int
        var finishReason: String
    }

    static func tokens(in text: String) -> Int { (text.utf8.count + 3) / 4 }

    static func promptTokens(messages: [String]) -> Int {
        messages.reduce(0) { $0 + 4 + tokens(in: $1) }
    }

    func complete(model: String, prompt: String, maxTokens: Int?) -> Completion {
        var stream = DigestStream(seed: "\(seed)|\(model)|\(prompt)")
        var target = Self.requestedLength(in: prompt) ?? Int(8 + stream.next() % 56)
        var finish = "stop"
        if let maxTokens, target > maxTokens {
            target = max(0, maxTokens)
            finish = "length"
        }
        var text = ""
        let length = target * 4
        while text.utf8.count < length {
            let word = Self.words[Int(stream.next() % UInt64(Self.words.count))]
            text += text.isEmpty ? word.capitalizedFirst : " " + word
        }
        text = String(text.utf8.prefix(length)) ?? text
        if text.hasSuffix(" ") { text = String(text.dropLast()) + "." }
        return Completion(text: text, completionTokens: Self.tokens(in: text), finishReason: finish)
    }

    /// `[sim:tokens=N]` anywhere in the prompt.
    static func requestedLength(in prompt: String) -> Int? {
        guard let range = prompt.range(of: "[sim:tokens=") else { return nil }
        let digits = prompt[range.upperBound...].prefix { $0.isNumber }
        guard prompt[range.upperBound...].dropFirst(digits.count).first == "]" else { return nil }
        return Int(digits)
    }

    private static let words = [
        "simulated", "answer", "from", "the", "openrouter", "simulator", "tokens", "are", "counted", "by",
        "length", "deterministic", "given", "seed", "and", "prompt", "costs", "follow", "price", "table",
        "open", "source", "compute", "donated", "project", "review", "patch", "test", "build", "refactor",
        "function", "module", "error", "handling", "ledger", "key", "limit", "usage", "window", "reset",
    ]
}

/// An endless stream of pseudo-random numbers from SHA-256 of a seed text and a counter.
struct DigestStream {
    private let seed: String
    private var counter = 0
    private var buffer: [UInt8] = []

    init(seed: String) { self.seed = seed }

    mutating func next() -> UInt64 {
        if buffer.count < 8 {
            buffer += Array(SHA256.hash(data: Array("\(seed)#\(counter)".utf8)))
            counter += 1
        }
        let bytes = buffer.prefix(8)
        buffer.removeFirst(8)
        return bytes.reduce(0) { $0 << 8 | UInt64($1) }
    }
}

extension String {
    fileprivate var capitalizedFirst: String { prefix(1).uppercased() + dropFirst() }
}
