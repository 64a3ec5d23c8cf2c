import Foundation
import OpubCore
import OpubStore

/// The span attributes opub reads from an OpenRouter Broadcast trace, and nothing else.
///
/// OpenRouter writes the OpenTelemetry GenAI conventions (`gen_ai.*`) plus its own metadata
/// (`trace.metadata.openrouter.*`) and the request's `session_id` as `session.id`. The decoder reads
/// the value of an attribute only when its name is listed here: prompts and completions
/// (`gen_ai.prompt`, `gen_ai.completion`, `gen_ai.input.messages`, …) and every other attribute are
/// skipped by the JSON decoder unread, so no content ever becomes a value opub holds, stores or logs —
/// whether or not the destination's privacy mode is on.
enum TraceAttribute {
    static let keyName = ["trace.metadata.openrouter.api_key_name", "openrouter.api_key_name"]
    static let session = ["session.id", "gen_ai.conversation.id"]
    static let generationID = ["gen_ai.response.id"]
    static let model = ["gen_ai.response.model", "gen_ai.request.model"]
    static let provider = ["gen_ai.provider.name", "trace.metadata.openrouter.provider_name", "gen_ai.system"]
    static let inputTokens = ["gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens"]
    static let outputTokens = ["gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens"]
    static let reasoningTokens = ["gen_ai.usage.output_tokens.reasoning", "gen_ai.usage.reasoning_tokens"]
    static let cost = ["gen_ai.usage.total_cost", "gen_ai.usage.cost"]

    static let kept: Set<String> = Set(
        keyName + session + generationID + model + provider + inputTokens + outputTokens + reasoningTokens + cost)
}

/// An OTLP/HTTP JSON `ExportTraceServiceRequest`, decoded only as far as opub keeps it. Unknown fields
/// are ignored (as OTLP requires); 64-bit integers are accepted as strings or numbers.
struct OTLPTraceRequest: Decodable {
    var resourceSpans: [ResourceSpans]?

    struct ResourceSpans: Decodable {
        var scopeSpans: [ScopeSpans]?
    }

    struct ScopeSpans: Decodable {
        var spans: [Span]?
    }

    struct Span: Decodable {
        var traceId: String?
        var spanId: String?
        var name: String?
        var startTimeUnixNano: OTLPInteger?
        var endTimeUnixNano: OTLPInteger?
        var attributes: [Attribute]?

        func value(_ names: [String]) -> AttributeValue? {
            for name in names {
                if let value = attributes?.first(where: { $0.key == name })?.value { return value }
            }
            return nil
        }
    }

    /// A key and, only when the key is one opub reads (``TraceAttribute/kept``), its value.
    struct Attribute: Decodable {
        var key: String
        var value: AttributeValue?

        enum CodingKeys: String, CodingKey { case key, value }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            key = try container.decode(String.self, forKey: .key)
            value =
                TraceAttribute.kept.contains(key)
                ? try container.decodeIfPresent(AttributeValue.self, forKey: .value) : nil
        }
    }

    enum AttributeValue: Decodable {
        case string(String)
        case integer(Int64)
        case double(Double)
        case other

        enum CodingKeys: String, CodingKey { case stringValue, intValue, doubleValue }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            if let text = try container.decodeIfPresent(String.self, forKey: .stringValue) {
                self = .string(text)
            } else if let integer = try container.decodeIfPresent(OTLPInteger.self, forKey: .intValue) {
                self = .integer(integer.value)
            } else if container.contains(.doubleValue) {
                if let number = try? container.decode(Double.self, forKey: .doubleValue) {
                    self = .double(number)
                } else {
                    // Proto JSON may write a double as a string ("1.5", "NaN").
                    self = Double(try container.decode(String.self, forKey: .doubleValue)).map(Self.double) ?? .other
                }
            } else {
                self = .other
            }
        }

        var text: String? {
            switch self {
            case .string(let text): text
            case .integer(let value): String(value)
            default: nil
            }
        }

        var integer: Int64? {
            switch self {
            case .integer(let value): value
            case .string(let text): Int64(text)
            case .double(let value) where value.isFinite && value >= 0 && value < 1e15: Int64(value)
            default: nil
            }
        }

        var number: Double? {
            switch self {
            case .double(let value): value
            case .integer(let value): Double(value)
            case .string(let text): Double(text)
            case .other: nil
            }
        }
    }
}

/// A 64-bit integer as OTLP JSON writes it: a decimal string, or (tolerated) a JSON number.
struct OTLPInteger: Decodable {
    var value: Int64

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self), let parsed = Int64(text) {
            value = parsed
        } else if let number = try? container.decode(Int64.self) {
            value = number
        } else if let unsigned = try? container.decode(String.self), let parsed = UInt64(unsigned) {
            value = Int64(clamping: parsed)
        } else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a 64-bit integer")
        }
    }
}

/// What one export request comes to: the usage opub keeps, and how many traces it could not read.
struct TraceBatch: Sendable {
    var usages: [TraceUsage] = []
    /// Generation traces whose ids, cost or key were malformed (the OTLP partial-success count).
    var rejected = 0
    /// Traces that were not an opub key's generation (another key's, or no cost at all).
    var ignored = 0

    /// Reads `request`: one usage record per trace that carries a generation (a span with a cost) of
    /// an `opub:` key. The key name and session id may sit on any span of the trace (OpenRouter puts
    /// them on the root span); cost, tokens, model and provider come from the generation span (the one
    /// named `generation` when several carry a cost). Span times are the request's time; a trace
    /// without them is dated `receivedAt`.
    init(_ request: OTLPTraceRequest, receivedAt: Timestamp) {
        var traces: [String: [OTLPTraceRequest.Span]] = [:]
        var order: [String] = []
        for resource in request.resourceSpans ?? [] {
            for scope in resource.scopeSpans ?? [] {
                for span in scope.spans ?? [] {
                    let id = span.traceId?.lowercased() ?? ""
                    if traces[id] == nil { order.append(id) }
                    traces[id, default: []].append(span)
                }
            }
        }
        for id in order {
            guard let spans = traces[id] else { continue }
            let priced = spans.filter { $0.value(TraceAttribute.cost) != nil }
            guard let generation = priced.first(where: { $0.name == "generation" }) ?? priced.first else {
                ignored += 1
                continue
            }
            func first(_ names: [String]) -> OTLPTraceRequest.AttributeValue? {
                generation.value(names) ?? spans.lazy.compactMap { $0.value(names) }.first
            }
            guard let name = first(TraceAttribute.keyName)?.text, ProviderKeyName.isOpubs(name) else {
                ignored += 1
                continue
            }
            guard let key = ProviderKeyName.keyID(of: name), Self.isHex(id, length: 32),
                let span = generation.spanId?.lowercased(), Self.isHex(span, length: 16),
                let dollars = generation.value(TraceAttribute.cost)?.number, dollars.isFinite, dollars >= 0,
                dollars < 1_000_000
            else {
                rejected += 1
                continue
            }
            let session = first(TraceAttribute.session)?.text.flatMap { $0.isEmpty || $0.count > 256 ? nil : $0 }
            let nanos = generation.endTimeUnixNano?.value ?? generation.startTimeUnixNano?.value
            let time = nanos.flatMap { $0 > 0 ? Timestamp(microsSinceEpoch: $0 / 1_000) : nil } ?? receivedAt
            func bounded(_ text: String?, _ fallback: String) -> String {
                guard let text, !text.isEmpty else { return fallback }
                return String(text.prefix(200))
            }
            usages.append(
                TraceUsage(
                    traceID: id, spanID: span, keyID: key, sessionID: session,
                    generationID: first(TraceAttribute.generationID)?.text.map { String($0.prefix(200)) },
                    model: bounded(first(TraceAttribute.model)?.text, "unknown"),
                    providerName: bounded(first(TraceAttribute.provider)?.text, "unknown"),
                    promptTokens: max(0, generation.value(TraceAttribute.inputTokens)?.integer ?? 0),
                    completionTokens: max(0, generation.value(TraceAttribute.outputTokens)?.integer ?? 0),
                    reasoningTokens: max(0, generation.value(TraceAttribute.reasoningTokens)?.integer ?? 0),
                    cost: Money(micros: Int64((dollars * 1_000_000).rounded())), occurredAt: time))
        }
    }

    static func isHex(_ text: String, length: Int) -> Bool {
        text.utf8.count == length && text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
            && text.utf8.contains { $0 != 48 }
    }
}
