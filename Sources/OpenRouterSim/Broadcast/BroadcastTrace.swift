import Crypto
import OpubCore
import OpubSurfaces

/// One trace the broadcaster delivers: an OTLP/HTTP JSON document (`resourceSpans`) for one generation.
public struct BroadcastTrace: Sendable, Hashable {
    /// The generation it reports (`gen-…`).
    public var generationID: String
    /// The JSON text sent, the same for every delivery of the trace.
    public var body: String

    public init(generationID: String, body: String) {
        self.generationID = generationID
        self.body = body
    }

    /// The trace of a served generation, as OpenRouter's Broadcast sends it: a root span `LLM Generation`
    /// and a child span `generation` carrying the model, provider, usage and cost in `gen_ai.*`
    /// attributes, the key's name in `trace.metadata.openrouter.api_key_name`, and the prompt and
    /// completion text (which receivers must not keep).
    init(served: ServedGeneration, request: InferenceRequest, keyName: String?) {
        self.init(record: served.record, messageTexts: request.messageTexts, completion: served.text, keyName: keyName)
    }

    init(record: GenerationRecord, messageTexts: [String], completion: String, keyName: String?) {
        self.init(
            generationID: record.id,
            body: Self.document(record: record, messageTexts: messageTexts, completion: completion, keyName: keyName)
                .rendered(escaping: .minimal))
    }

    /// 32 lowercase hex digits, from the generation id: a repeated delivery carries the same ids.
    static func traceID(generationID: String) -> String { hexDigest("trace|" + generationID, digits: 32) }

    /// 16 lowercase hex digits for the span `role` (`root`, `generation`) of the generation.
    static func spanID(generationID: String, role: String) -> String {
        hexDigest("span|\(role)|" + generationID, digits: 16)
    }

    private static func hexDigest(_ text: String, digits: Int) -> String {
        let digest = SHA256.hash(data: Array(text.utf8))
        return String(digest.map { String(format2: $0) }.joined().prefix(digits))
    }

    static func document(
        record: GenerationRecord, messageTexts: [String], completion: String, keyName: String?
    ) -> JSONValue {
        let traceHex = Self.traceID(generationID: record.id)
        let rootSpanHex = Self.spanID(generationID: record.id, role: "root")
        let generationSpanHex = Self.spanID(generationID: record.id, role: "generation")
        let startNanos = record.createdAt.microsSinceEpoch * 1000
        let prompt = JSONValue.object([
            (
                "messages",
                .array(messageTexts.map { JSONValue.object([("role", .string("user")), ("content", .string($0))]) })
            )
        ]).rendered(escaping: .minimal)
        let completionText = JSONValue.object([("completion", .string(completion))]).rendered(escaping: .minimal)
        let promptCost = record.promptCost ?? .zero

        var rootAttributes: [JSONValue] = []
        if let keyName { rootAttributes.append(attribute("trace.metadata.openrouter.api_key_name", string: keyName)) }
        if let session = record.sessionID { rootAttributes.append(attribute("session.id", string: session)) }
        if let user = record.user { rootAttributes.append(attribute("user.id", string: user)) }
        rootAttributes += [
            attribute("gen_ai.request.model", string: record.model),
            attribute("gen_ai.prompt", string: prompt),
            attribute("gen_ai.completion", string: completionText),
        ]

        var generationAttributes: [JSONValue] = [
            attribute("gen_ai.operation.name", string: "chat"),
            attribute("gen_ai.request.model", string: record.model),
            attribute("gen_ai.response.model", string: record.model),
            attribute("gen_ai.provider.name", string: record.providerName),
            attribute("gen_ai.response.id", string: record.id),
            attribute("gen_ai.response.finish_reason", string: record.finishReason),
            attribute("gen_ai.usage.input_tokens", int: Int64(record.promptTokens)),
            attribute("gen_ai.usage.output_tokens", int: Int64(record.completionTokens)),
            attribute("gen_ai.usage.total_tokens", int: Int64(record.promptTokens + record.completionTokens)),
            attribute("gen_ai.usage.output_tokens.reasoning", int: 0),
            attribute("gen_ai.usage.total_cost", dollars: record.cost),
            attribute("gen_ai.usage.input_cost", dollars: promptCost),
            attribute("gen_ai.usage.output_cost", dollars: record.cost - promptCost),
        ]
        if let session = record.sessionID { generationAttributes.append(attribute("session.id", string: session)) }
        if let keyName {
            generationAttributes.append(attribute("trace.metadata.openrouter.api_key_name", string: keyName))
        }
        generationAttributes += [
            attribute("trace.metadata.openrouter.provider_name", string: record.providerName),
            attribute("gen_ai.prompt", string: prompt),
            attribute("gen_ai.completion", string: completionText),
        ]

        let root = JSONValue.object([
            ("traceId", .string(traceHex)),
            ("spanId", .string(rootSpanHex)),
            ("name", .string("LLM Generation")),
            ("kind", .int(2)),
            ("startTimeUnixNano", .string(String(startNanos))),
            ("endTimeUnixNano", .string(String(startNanos + 5_000_000))),
            ("attributes", .array(rootAttributes)),
        ])
        let generation = JSONValue.object([
            ("traceId", .string(traceHex)),
            ("spanId", .string(generationSpanHex)),
            ("parentSpanId", .string(rootSpanHex)),
            ("name", .string("generation")),
            ("kind", .int(3)),
            ("startTimeUnixNano", .string(String(startNanos + 1_000_000))),
            ("endTimeUnixNano", .string(String(startNanos + 4_000_000))),
            ("attributes", .array(generationAttributes)),
        ])
        return .object([
            (
                "resourceSpans",
                .array([
                    .object([
                        (
                            "resource",
                            .object([("attributes", .array([attribute("service.name", string: "openrouter")]))])
                        ),
                        (
                            "scopeSpans",
                            .array([
                                .object([
                                    ("scope", .object([("name", .string("openrouter"))])),
                                    ("spans", .array([root, generation])),
                                ])
                            ])
                        ),
                    ])
                ])
            )
        ])
    }

    private static func attribute(_ key: String, string value: String) -> JSONValue {
        .object([("key", .string(key)), ("value", .object([("stringValue", .string(value))]))])
    }

    /// OTLP JSON writes 64-bit integers as decimal strings.
    private static func attribute(_ key: String, int value: Int64) -> JSONValue {
        .object([("key", .string(key)), ("value", .object([("intValue", .string(String(value)))]))])
    }

    /// US dollars as a JSON number, written exactly from the nano-dollar amount.
    private static func attribute(_ key: String, dollars value: NanoUSD) -> JSONValue {
        .object([("key", .string(key)), ("value", .object([("doubleValue", .number(value.decimalText))]))])
    }
}
